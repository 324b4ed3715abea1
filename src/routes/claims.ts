import { createRoute } from '@hono/zod-openapi'
import { claimWork, renewLease } from '../dispatch/claim'
import { forbidden, unauthorized } from '../errors'
import { requestOrigin } from '../http/context'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import { createRouter } from '../http/router'
import { ClaimRequest, ClaimResponse, Lease, LEASE_HEADER, RenewRequest } from '../schemas/claims'
import { errorResponses } from '../schemas/common'
import { jsonContent, jsonRequest, pipelineKeySecurity } from './openapi'

/** Pull dispatch: a pipeline key takes the next work it serves, and keeps it by renewing its lease (docs/dispatch.md#pull-claims). */
export const claimRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/claim',
      tags: ['Dispatch'],
      summary: 'Claim the next queued analyses and runnable jobs this pipeline serves',
      description:
        'Highest `priority` first, then oldest, in the projects that grant the pipeline, for its `model_names` (and, for jobs, its `job_kinds`). ' +
        'Each claimed run is held by the pipeline from then on, so its key drives the run’s callbacks, and is not handed out again while its lease lasts; ' +
        'each comes with what a push delivery of it would carry and a lease (ML_CLAIM_LEASE_SECONDS) that callbacks carrying its token as ' +
        `${LEASE_HEADER} renew. A run not started when its lease runs out can be claimed again, up to ML_CLAIM_MAX_ATTEMPTS claims. ` +
        'An empty `claimed` means nothing is waiting. 403 `pull_disabled` unless ML_PIPELINE_PULL_ENABLED.',
      security: pipelineKeySecurity,
      middleware: [jsonBody(MAX_JSON_BYTES)] as const,
      request: { body: jsonRequest(ClaimRequest) },
      responses: { 200: jsonContent(ClaimResponse, 'What this pipeline now holds'), ...errorResponses(400, 401, 403, 413, 415) },
    }),
    async (c) => {
      const pipeline = c.get('pipeline')
      if (!pipeline) throw c.get('user') ? forbidden('Only a pipeline key claims work') : unauthorized()
      return c.json({ claimed: await claimWork(c.get('db'), c.get('config'), requestOrigin(c), pipeline, c.req.valid('json')) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/claim/renew',
      tags: ['Dispatch'],
      summary: 'Renew the lease on a claimed run',
      description: `What any callback carrying ${LEASE_HEADER} does. 409 \`lease_lost\` when the lease ran out and the run was claimed again; 409 \`analysis_canceled\` / \`job_canceled\` when a person canceled it.`,
      security: pipelineKeySecurity,
      middleware: [jsonBody(MAX_JSON_BYTES)] as const,
      request: { body: jsonRequest(RenewRequest) },
      responses: { 200: jsonContent(Lease, 'The lease, renewed'), ...errorResponses(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => {
      const pipeline = c.get('pipeline')
      if (!pipeline) throw c.get('user') ? forbidden('Only a pipeline key holds leases') : unauthorized()
      const { kind, id, token } = c.req.valid('json')
      return c.json(await renewLease(c.get('db'), c.get('config'), kind, id, token, pipeline.id), 200)
    },
  )
