import { deadlineOf } from '../domain/runs/deadline'
import { CANCEL_AFTER_HEADER, CancelAfterHeaders } from '../schemas/runs'
import { createRoute, z } from '@hono/zod-openapi'
import { analysisStub } from '../../durable-objects/analysis-object'
import { currentUser, requirePrincipal } from '../auth/middleware'
import { currentPrincipal } from '../auth/principal'
import { callbackCredential } from '../pipeline/credentials'
import { dispatchRun } from '../dispatch/enqueue'
import { requestOrigin } from '../http/context'
import { analysisFor, analysisForUser, createAnalysis, listAnalysesForImage } from '../domain/analyses'
import { listAnnotations, streamAnalysisWithAnnotations } from '../domain/annotations-read'
import { conditionalRead } from '../http/conditional'
import { analysisEtag } from '../domain/analysis-etag'
import {
  Analysis,
  AnalysisCreate,
  AnalysisCreated,
  AnalysisList,
  AnalysisListQuery,
  AnalysisWithAnnotations,
  AnnotationList,
  AnnotationListQuery,
} from '../schemas/analyses'
import { createRouter } from '../http/router'
import { streamedJson } from '../http/streamed'
import { asPrincipal, asPrincipalWithJson, asUser } from './access'
import { jsonContent, jsonRequest, principalSecurity } from './openapi'
import { errorResponses } from '../schemas/common'
import { runLiveDescription, runLiveRequest, runLiveResponses, runLiveSocket } from './run-live'
import { runLogResponse, runLogRoute } from './run-logs'
import { unwrapRpc } from '../errors'
import { rpcMeta } from '../observability/rpc-meta'
import { IdParam, ImageParam } from './params'

export const analysisRoutes = createRouter()
analysisRoutes
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/images/{image_id}/analyses',
      tags: ['Analyses'],
      summary: 'Create an analysis (queued) for an image',
      description:
        'Repeating a create with the same `external_job_id` returns the existing analysis with 200. ' +
        'A pipeline key may create analyses for the models its pipeline serves, on images of projects that granted it; ' +
        'its response carries the analysis’s callback credential. 429 `pending_limit_reached` past ML_MAX_PENDING_PER_USER or ML_MAX_PENDING_PER_PIPELINE.',
      ...asPrincipalWithJson,
      request: { params: ImageParam, headers: CancelAfterHeaders, body: jsonRequest(AnalysisCreate) },
      responses: {
        201: jsonContent(AnalysisCreated, 'Created'),
        200: jsonContent(AnalysisCreated, 'Already exists for this external_job_id'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429),
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c)
      const config = c.get('config')
      const input = c.req.valid('json')
      const deadline = deadlineOf(input.deadline, c.req.header(CANCEL_AFTER_HEADER)) ?? undefined
      const { analysis, created } = await createAnalysis(c.var, config, principal, c.req.valid('param').image_id, { ...input, deadline }, c.get('requestId'))
      // Its object keeps the deadline: the alarm ends the run even if nobody ever calls back.
      if (created && analysis.deadline_at) await unwrapRpc(analysisStub(c.env, analysis.id).arm(rpcMeta(c), requestOrigin(c)))
      const callback = principal.kind === 'pipeline' ? await callbackCredential(config, requestOrigin(c), 'analysis', analysis.id) : undefined
      // A pipeline that creates its own work runs it; a person's create is pushed (docs/dispatch.md).
      if (created && principal.kind === 'user') {
        await dispatchRun(c.env, c.get('db'), config, requestOrigin(c), { kind: 'analysis', id: analysis.id }, 'analysis.created')
      }
      return c.json({ ...analysis, annotations: [], callback }, created ? 201 : 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/images/{image_id}/analyses',
      tags: ['Analyses'],
      summary: 'Analyses of an image, newest first, without annotations (a pipeline sees its own)',
      ...asPrincipal,
      request: { params: ImageParam, query: AnalysisListQuery },
      responses: { 200: jsonContent(AnalysisList, 'A page of analyses'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await listAnalysesForImage(c.get('db'), currentPrincipal(c), c.req.valid('param').image_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{id}',
      tags: ['Analyses'],
      summary: 'An analysis with all its annotations (streamed)',
      security: principalSecurity,
      middleware: [requirePrincipal, conditionalRead] as const,
      request: { params: IdParam },
      responses: { 200: jsonContent(AnalysisWithAnnotations, 'The analysis'), 304: { description: 'Not modified since the ETag in If-None-Match' }, ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { analysis } = await analysisFor(c.get('db'), currentPrincipal(c), c.req.valid('param').id, 'read')
      const res = streamedJson<z.infer<typeof AnalysisWithAnnotations>>(streamAnalysisWithAnnotations(c.get('d1'), analysis))
      res.headers.set('ETag', await analysisEtag(c.get('db'), analysis))
      return res
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{id}/annotations',
      tags: ['Analyses'],
      summary: 'A page of annotations, by cursor or skip/limit, with filters',
      security: principalSecurity,
      middleware: [requirePrincipal, conditionalRead] as const,
      request: { params: IdParam, query: AnnotationListQuery },
      responses: { 200: jsonContent(AnnotationList, 'A page of annotations'), 304: { description: 'Not modified since the ETag in If-None-Match' }, ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await analysisFor(c.get('db'), currentPrincipal(c), id, 'read')
      return c.json(await listAnnotations(c.get('d1'), id, c.req.valid('query')), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{id}/cancel',
      tags: ['Analyses'],
      summary: 'Cancel a queued or processing analysis (editor or owner)',
      description: 'The pipeline learns of it on its next callback, which answers 409 `analysis_canceled`, and, if the analysis was pushed to it, by an `analysis.canceled` webhook.',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(Analysis, 'Canceled'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await analysisForUser(c.get('db'), currentUser(c), id, 'write')
      // The object tells a pushed worker by webhook, as well as on its next callback (docs/dispatch.md).
      return c.json(await unwrapRpc(analysisStub(c.env, id).cancel(currentUser(c).id, { ...rpcMeta(c), origin: requestOrigin(c) })), 200)
    },
  )

analysisRoutes.openapi(
  runLogRoute({
    path: '/api/analyses/{id}/logs',
    tags: ['Analyses'],
    summary: 'The whole log, during the run and after it: paginated JSON, or ?format=text',
    ...asPrincipal,
  }),
  async (c) => {
    const id = c.req.valid('param').id
    await analysisFor(c.get('db'), currentPrincipal(c), id, 'read')
    return runLogResponse(c, c.req.valid('query'), (offset, limit) => analysisStub(c.env, id).readLogs(offset, limit))
  },
)

analysisRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/analyses/{id}/live',
    tags: ['Analyses'],
    summary: 'Live events over a WebSocket (see docs/events.md)',
    description: runLiveDescription,
    ...asUser,
    request: runLiveRequest,
    responses: runLiveResponses,
  }),
  async (c) => {
    const id = c.req.valid('param').id
    return runLiveSocket(c, () => analysisForUser(c.get('db'), currentUser(c), id, 'read'), () => analysisStub(c.env, id))
  },
)
