import { createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { runStub } from '../../durable-objects/run-stubs'
import type { AppEnv } from '../app-env'
import { claimOne, claimWorkWaiting } from '../dispatch/claim'
import { assertLeaseHeld, renewLease } from '../dispatch/leases'
import { forbidden, unauthorized, unwrapRpc } from '../errors'
import { requestOrigin } from '../http/context'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import { createRouter } from '../http/router'
import { rpcMeta } from '../observability/rpc-meta'
import { ClaimedRun, ClaimOneRequest, ClaimRequest, ClaimResponse, Lease, LEASE_HEADER, Released, ReleaseRequest, RenewRequest } from '../schemas/claims'
import { errorResponses } from '../schemas/common'
import { callbackRoute } from './callback-route'
import { jsonContent, jsonRequest, pipelineKeySecurity } from './openapi'

/** Only a pipeline key claims, renews and gives back work; a person's session is 403. */
function claimant(c: Context<AppEnv>, what: string) {
  const pipeline = c.get('pipeline')
  if (!pipeline) throw c.get('user') ? forbidden(`Only a pipeline key ${what}`) : unauthorized()
  return pipeline
}

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
        `${LEASE_HEADER} renew. When a lease runs out the run goes back to the queue, up to ML_CLAIM_MAX_ATTEMPTS claims. ` +
        'With `wait_seconds` the request waits for work when none is waiting. ' +
        'An empty `claimed` means nothing is waiting. 403 `pull_disabled` unless ML_PIPELINE_PULL_ENABLED.',
      security: pipelineKeySecurity,
      middleware: [jsonBody(MAX_JSON_BYTES)] as const,
      request: { body: jsonRequest(ClaimRequest) },
      responses: { 200: jsonContent(ClaimResponse, 'What this pipeline now holds'), ...errorResponses(400, 401, 403, 413, 415) },
    }),
    async (c) => {
      const pipeline = claimant(c, 'claims work')
      return c.json({ claimed: await claimWorkWaiting(c.env, c.get('db'), c.get('config'), requestOrigin(c), pipeline, c.req.valid('json')) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/claim/renew',
      tags: ['Dispatch'],
      summary: 'Renew the lease on a claimed run',
      description: `What any callback carrying ${LEASE_HEADER} does. 409 \`lease_lost\` when the lease ran out and the run went back to the queue; 409 \`analysis_canceled\` / \`job_canceled\` when it was canceled (a person, or its deadline), so the worker stops.`,
      security: pipelineKeySecurity,
      middleware: [jsonBody(MAX_JSON_BYTES)] as const,
      request: { body: jsonRequest(RenewRequest) },
      responses: { 200: jsonContent(Lease, 'The lease, renewed'), ...errorResponses(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => {
      const pipeline = claimant(c, 'holds leases')
      const { kind, id, token } = c.req.valid('json')
      return c.json(await renewLease(c.get('db'), c.get('config'), kind, id, token, pipeline.id), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/claim/release',
      tags: ['Dispatch'],
      summary: 'Give a claimed run back, so another worker takes it at once',
      description:
        'For a worker shutting down: the run goes back to `queued` (a started run starts over) with the reason `released`, ' +
        'and the claim does not count against ML_CLAIM_MAX_ATTEMPTS. The token answers `lease_lost` from then on.',
      security: pipelineKeySecurity,
      middleware: [jsonBody(MAX_JSON_BYTES)] as const,
      request: { body: jsonRequest(ReleaseRequest) },
      responses: { 200: jsonContent(Released, 'Back in the queue'), ...errorResponses(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => {
      const pipeline = claimant(c, 'holds leases')
      const { kind, id, token } = c.req.valid('json')
      await assertLeaseHeld(c.get('db'), kind, id, token, pipeline.id)
      const run = await unwrapRpc(runStub(c.env, kind, id).releaseLease(token, rpcMeta(c)))
      return c.json({ kind, id, status: run.status, status_reason: run.status_reason ?? null }, 200)
    },
  )

for (const kind of ['analysis', 'job'] as const) {
  callbackRoute(claimRoutes, {
    method: 'post',
    kind,
    claim: true,
    path: `/api/${kind === 'analysis' ? 'analyses' : 'jobs'}/{id}/claim`,
    summary: `Claim this queued ${kind}`,
    description:
      `An atomic claim of one ${kind}: 409 \`already_claimed\` when another worker holds it or it has started. ` +
      'Signed like a callback: a pipeline key (which must be granted the project and serve the model), or the guide’s HMAC signature over the body ' +
      'with a secret that may sign for the run. The answer is what `POST /api/pipelines/claim` hands out for it, lease included.',
    maxBytes: MAX_JSON_BYTES,
    body: ClaimOneRequest,
    response: ClaimedRun,
    responseDescription: 'Claimed, with its lease',
    handle: (c, { id }) => claimOne(c.env, c.get('db'), c.get('config'), requestOrigin(c), c.get('pipeline'), kind, id),
  })
}
