import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { presignArtifact } from '../domain/artifacts'
import { unwrapRpc, type RpcResult } from '../errors'
import { mlEnabled, requestOrigin } from '../http/context'
import { jsonBody, MAX_BULK_JSON_BYTES, MAX_JSON_BYTES } from '../http/json-body'
import { validationError } from '../http/validation'
import { auditFailure, callbackAuth, type PipelineEnv } from '../pipeline/callback-auth'
import { Analysis, BulkAnnotationsRequest, BulkAnnotationsResponse, Finalize, ProgressUpdate, StatusUpdate } from '../schemas/analyses'
import { PresignRequest, PresignResponse } from '../schemas/artifacts'
import { LogsAccepted, LogsRequest } from '../schemas/events'
import { jsonContent, jsonRequest, pipelineSecurity, userSecurity } from './openapi'
import { errorResponses, Uuid } from '../schemas/common'
import { AppError } from '../errors'
import { analysisStub } from './analyses'

const AnalysisParam = z.object({ id: Uuid })
const signedErrors = errorResponses(400, 401, 404, 409, 413, 415)

const callbackMeta = (c: Context<PipelineEnv>) => ({ requestId: c.get('requestId'), nonce: c.get('nonce') })

/** Calls into the analysis's object and turns its errors back into AppErrors (auditing replays). */
async function viaObject<T>(c: Context<PipelineEnv>, call: () => Promise<RpcResult<T>>): Promise<T> {
  try {
    return await unwrapRpc(call())
  } catch (err) {
    await auditFailure(c, err)
    throw err
  }
}

const bulkRoute = createRoute({
  method: 'post',
  path: '/api/analyses/{id}/annotations:bulk',
  tags: ['Pipeline callbacks'],
  summary: 'Post annotations in bulk (idempotent)',
  description:
    'All or nothing. Re-posting identical annotations stores nothing new. Modes: `append` (default), `replace` (atomic), `upsert` (by `key`). ' +
    'After finalize an identical replay still answers 200; new content answers 409 `analysis_finalized`.',
  security: pipelineSecurity,
  request: { params: AnalysisParam, body: jsonRequest(BulkAnnotationsRequest) },
  responses: { 200: jsonContent(BulkAnnotationsResponse, 'Stored'), ...signedErrors },
})

export const pipelineRoutes = new OpenAPIHono<PipelineEnv>()
pipelineRoutes.use('/api/analyses/:id/*', mlEnabled)
pipelineRoutes
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/analyses/{id}/status',
      tags: ['Pipeline callbacks'],
      summary: 'Move the analysis through its state machine, optionally with progress',
      description: 'Moving to the current status is a no-op 200. Any other illegal move is 409 `illegal_transition`.',
      security: pipelineSecurity,
      middleware: [jsonBody(MAX_JSON_BYTES), callbackAuth] as const,
      request: { params: AnalysisParam, body: jsonRequest(StatusUpdate) },
      responses: { 200: jsonContent(Analysis, 'The analysis after the update'), ...signedErrors },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      return c.json(await viaObject(c, () => analysisStub(c.env, id).updateStatus(id, c.req.valid('json'), callbackMeta(c))), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{id}/progress',
      tags: ['Pipeline callbacks'],
      summary: 'Report progress (0..1), the current stage, and a message',
      security: pipelineSecurity,
      middleware: [jsonBody(MAX_JSON_BYTES), callbackAuth] as const,
      request: { params: AnalysisParam, body: jsonRequest(ProgressUpdate) },
      responses: { 200: jsonContent(Analysis, 'The analysis after the update'), ...signedErrors },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      return c.json(await viaObject(c, () => analysisStub(c.env, id).reportProgress(id, c.req.valid('json'), callbackMeta(c))), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{id}/artifacts/presign',
      tags: ['Pipeline callbacks'],
      summary: 'Get a presigned PUT URL for an artifact',
      security: pipelineSecurity,
      middleware: [jsonBody(MAX_JSON_BYTES), callbackAuth] as const,
      request: { params: AnalysisParam, body: jsonRequest(PresignRequest) },
      responses: { 200: jsonContent(PresignResponse, 'Upload with PUT and the given headers'), ...signedErrors },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await viaObject(c, () => analysisStub(c.env, id).presignGate(id, callbackMeta(c)))
      return c.json(await presignArtifact(c.get('db'), c.get('config'), requestOrigin(c), id, c.req.valid('json')), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{id}/finalize',
      tags: ['Pipeline callbacks'],
      summary: 'Finish the analysis as completed or failed',
      description: 'Allowed straight from `queued` (the fast path). Waits for bulk writes in flight; afterwards the annotation set is frozen.',
      security: pipelineSecurity,
      middleware: [jsonBody(MAX_JSON_BYTES), callbackAuth] as const,
      request: { params: AnalysisParam, body: jsonRequest(Finalize) },
      responses: { 200: jsonContent(Analysis, 'The final analysis'), ...signedErrors },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      return c.json(await viaObject(c, () => analysisStub(c.env, id).finalize(id, c.req.valid('json'), callbackMeta(c))), 200)
    },
  )

pipelineRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/api/analyses/{id}/logs',
    tags: ['Pipeline callbacks'],
    summary: 'Append log lines (up to 1,000 per request)',
    description: 'Viewers see them live, batched into frames; the whole log is kept in R2 under ml_outputs/{id}/logs/.',
    security: pipelineSecurity,
    middleware: [jsonBody(MAX_JSON_BYTES * 8), callbackAuth] as const,
    request: { params: AnalysisParam, body: jsonRequest(LogsRequest) },
    responses: { 200: jsonContent(LogsAccepted, 'Stored'), ...signedErrors },
  }),
  async (c) => {
    const id = c.req.valid('param').id
    return c.json(await viaObject(c, () => analysisStub(c.env, id).appendLogs(id, c.req.valid('json').lines, callbackMeta(c))), 200)
  },
)

// Hono reads `:` inside a segment as a parameter marker, so the literal `annotations:bulk` is matched
// by a regex parameter; the OpenAPI document still shows the real path.
pipelineRoutes.openAPIRegistry.registerPath(bulkRoute)
pipelineRoutes.post('/api/analyses/:id/:action{annotations:bulk}', jsonBody(MAX_BULK_JSON_BYTES), callbackAuth, async (c) => {
  const id = AnalysisParam.safeParse({ id: c.req.param('id') })
  if (!id.success) throw validationError(id.error, 'param')
  const body = BulkAnnotationsRequest.safeParse(await c.req.json())
  if (!body.success) throw validationError(body.error, 'json')
  const max = c.get('config').ML_MAX_BULK_ANNOTATIONS
  if (body.data.annotations.length > max) {
    throw new AppError(400, 'validation_error', `At most ${max} annotations per request (ML_MAX_BULK_ANNOTATIONS); got ${body.data.annotations.length}`, {
      max,
      received: body.data.annotations.length,
    })
  }
  const analysisId = id.data.id
  return c.json(await viaObject(c, () => analysisStub(c.env, analysisId).bulkAnnotations(analysisId, body.data, callbackMeta(c))), 200)
})
