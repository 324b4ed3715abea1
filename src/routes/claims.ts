import { createRoute } from '@hono/zod-openapi'
import { claimWork } from '../dispatch/claim'
import { forbidden, unauthorized } from '../errors'
import { requestOrigin } from '../http/context'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import { createRouter } from '../http/router'
import { ClaimRequest, ClaimResponse } from '../schemas/claims'
import { errorResponses } from '../schemas/common'
import { jsonContent, jsonRequest, pipelineKeySecurity } from './openapi'

/** Pull dispatch: a pipeline key takes the next work it serves (docs/dispatch.md#pull). */
export const claimRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/pipelines/claim',
    tags: ['Dispatch'],
    summary: 'Claim the next queued analyses and runnable jobs this pipeline serves',
    description:
      'Highest `priority` first, then oldest, in the projects that grant the pipeline, for its `model_names` (and, for jobs, its `job_kinds`). ' +
      'Each claimed run is held by the pipeline from then on, so its key drives the run’s callbacks, and is never handed out again; ' +
      'each comes with what a push delivery of it would carry. An empty `claimed` means nothing is waiting. 403 `pull_disabled` unless ML_PIPELINE_PULL_ENABLED.',
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
