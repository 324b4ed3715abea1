import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env'
import { currentUser, requireUser } from '../auth/middleware'
import { analysisForUser, createAnalysis, listAnalysesForImage } from '../domain/analyses'
import { listAnnotations, streamAnalysisWithAnnotations } from '../domain/annotations-read'
import { withD1Limits } from '../db/d1-limits'
import { unwrapRpc } from '../errors'
import { mlEnabled } from '../http/context'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import {
  Analysis,
  AnalysisCreate,
  AnalysisList,
  AnalysisListQuery,
  AnalysisWithAnnotations,
  AnnotationList,
  AnnotationListQuery,
} from '../schemas/analyses'
import { jsonContent, jsonRequest, pipelineSecurity, userSecurity } from './openapi'
import { errorResponses, Uuid } from '../schemas/common'
import { LiveQuery, LogsPage, LogsQuery } from '../schemas/events'
import { formatLogText } from '../../durable-objects/log-store'
import { AppError } from '../errors'

const ImageParam = z.object({ image_id: Uuid })
const AnalysisParam = z.object({ id: Uuid })

export const analysisRoutes = new OpenAPIHono<AppEnv>()
analysisRoutes.use('/api/images/:image_id/analyses', mlEnabled)
analysisRoutes.use('/api/analyses/*', mlEnabled)
analysisRoutes
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/images/{image_id}/analyses',
      tags: ['Analyses'],
      summary: 'Create an analysis (queued) for an image',
      description: 'Repeating a create with the same `external_job_id` returns the existing analysis with 200.',
      security: userSecurity,
      middleware: [requireUser, jsonBody(MAX_JSON_BYTES)] as const,
      request: { params: ImageParam, body: jsonRequest(AnalysisCreate) },
      responses: {
        201: jsonContent(AnalysisWithAnnotations, 'Created'),
        200: jsonContent(AnalysisWithAnnotations, 'Already exists for this external_job_id'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { analysis, created } = await createAnalysis(
        c.get('db'),
        c.get('config'),
        currentUser(c),
        c.req.valid('param').image_id,
        c.req.valid('json'),
        c.get('requestId'),
      )
      return c.json({ ...analysis, annotations: [] }, created ? 201 : 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/images/{image_id}/analyses',
      tags: ['Analyses'],
      summary: 'Analyses of an image, newest first, without annotations',
      security: userSecurity,
      middleware: [requireUser] as const,
      request: { params: ImageParam, query: AnalysisListQuery },
      responses: { 200: jsonContent(AnalysisList, 'A page of analyses'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await listAnalysesForImage(c.get('db'), currentUser(c), c.req.valid('param').image_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{id}',
      tags: ['Analyses'],
      summary: 'An analysis with all its annotations (streamed)',
      security: userSecurity,
      middleware: [requireUser] as const,
      request: { params: AnalysisParam },
      responses: { 200: jsonContent(AnalysisWithAnnotations, 'The analysis'), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { analysis } = await analysisForUser(c.get('db'), currentUser(c), c.req.valid('param').id, 'read')
      return new Response(streamAnalysisWithAnnotations(withD1Limits(c.env.DB), analysis), {
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
      }) as never
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{id}/annotations',
      tags: ['Analyses'],
      summary: 'A page of annotations, by cursor or skip/limit, with filters',
      security: userSecurity,
      middleware: [requireUser] as const,
      request: { params: AnalysisParam, query: AnnotationListQuery },
      responses: { 200: jsonContent(AnnotationList, 'A page of annotations'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await analysisForUser(c.get('db'), currentUser(c), id, 'read')
      return c.json(await listAnnotations(withD1Limits(c.env.DB), id, c.req.valid('query')), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{id}/cancel',
      tags: ['Analyses'],
      summary: 'Cancel a queued or processing analysis (editor or owner)',
      description: 'The pipeline learns of it on its next callback, which answers 409 `analysis_canceled`.',
      security: userSecurity,
      middleware: [requireUser] as const,
      request: { params: AnalysisParam },
      responses: { 200: jsonContent(Analysis, 'Canceled'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await analysisForUser(c.get('db'), currentUser(c), id, 'write')
      return c.json(await unwrapRpc(analysisStub(c.env, id).cancel(id, currentUser(c).id, c.get('requestId'))), 200)
    },
  )

analysisRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/analyses/{id}/logs',
    tags: ['Analyses'],
    summary: 'The whole log, during the run and after it: paginated JSON, or ?format=text',
    security: userSecurity,
    middleware: [requireUser] as const,
    request: { params: AnalysisParam, query: LogsQuery },
    responses: { 200: jsonContent(LogsPage, 'A page of log lines'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const id = c.req.valid('param').id
    const { offset, limit, format } = c.req.valid('query')
    await analysisForUser(c.get('db'), currentUser(c), id, 'read')
    const page = await unwrapRpc(analysisStub(c.env, id).readLogs(id, offset, format === 'text' ? 1_000_000 : limit))
    if (format === 'text') return c.text(formatLogText(page.lines), 200) as never
    return c.json(page, 200)
  },
)

analysisRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/analyses/{id}/live',
    tags: ['Analyses'],
    summary: 'Live events over a WebSocket (see docs/events.md)',
    description: 'Sends `connected`, then a `snapshot` (or, with `?since=<seq>`, every missed event), then events as they happen.',
    security: userSecurity,
    middleware: [requireUser] as const,
    request: { params: AnalysisParam, query: LiveQuery },
    responses: { 101: { description: 'Switching to the WebSocket protocol' }, ...errorResponses(401, 404, 426) },
  }),
  async (c) => {
    const id = c.req.valid('param').id
    // Refuse before the upgrade: a non-member never gets a socket.
    await analysisForUser(c.get('db'), currentUser(c), id, 'read')
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      throw new AppError(426 as never, 'bad_request', 'This endpoint speaks WebSocket; send Upgrade: websocket')
    }
    const headers = new Headers(c.req.raw.headers)
    headers.set('X-Analysis-Id', id)
    headers.set('X-User-Id', currentUser(c).id)
    return analysisStub(c.env, id).fetch(new Request(c.req.url, { headers })) as never
  },
)

export const analysisStub = (env: Env, id: string) => env.ANALYSIS.get(env.ANALYSIS.idFromName(id))
