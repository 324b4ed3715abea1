import { analysisStub } from '../../durable-objects/analysis-object'
import { presignArtifact } from '../domain/artifacts'
import { AppError, unwrapRpc } from '../errors'
import { MAX_BULK_JSON_BYTES, MAX_JSON_BYTES } from '../http/json-body'
import { createRouter } from '../http/router'
import { Analysis, BulkAnnotationsRequest, BulkAnnotationsResponse, Finalize, ProgressUpdate, StatusUpdate } from '../schemas/analyses'
import { LogsAccepted, LogsRequest } from '../schemas/events'
import { callbackRoute, presignCallback } from './callback-route'

/** The signed callbacks a pipeline makes on an analysis; each one is a call into the analysis's object. */
export const pipelineRoutes = createRouter()

callbackRoute(pipelineRoutes, {
  method: 'patch',
  path: '/api/analyses/{id}/status',
  summary: 'Move the analysis through its state machine, optionally with progress',
  description:
    'Moving to the current status is a no-op 200. Any other illegal move is 409 `illegal_transition`. ' +
    'A finished analysis changes no field: progress on it is 409 `analysis_finalized`.',
  maxBytes: MAX_JSON_BYTES,
  body: StatusUpdate,
  response: Analysis,
  responseDescription: 'The analysis after the update',
  handle: (c, { id, body, meta }) => unwrapRpc(analysisStub(c.env, id).updateStatus(body, meta)),
})

callbackRoute(pipelineRoutes, {
  method: 'post',
  path: '/api/analyses/{id}/progress',
  summary: 'Report progress (0..1), the current stage, and a message',
  maxBytes: MAX_JSON_BYTES,
  body: ProgressUpdate,
  response: Analysis,
  responseDescription: 'The analysis after the update',
  handle: (c, { id, body, meta }) => unwrapRpc(analysisStub(c.env, id).reportProgress(body, meta)),
})

presignCallback(pipelineRoutes, {
  path: '/api/analyses/{id}/artifacts/presign',
  summary: 'Get a presigned PUT URL for an artifact',
  responseDescription: 'Upload with PUT and the given headers',
  gate: (c, id, meta) => unwrapRpc(analysisStub(c.env, id).presignGate(meta)),
  presign: presignArtifact,
})

callbackRoute(pipelineRoutes, {
  method: 'post',
  path: '/api/analyses/{id}/finalize',
  summary: 'Finish the analysis as completed or failed',
  description: 'Allowed straight from `queued` (the fast path). Waits for bulk writes in flight; afterwards the annotation set is frozen.',
  maxBytes: MAX_JSON_BYTES,
  body: Finalize,
  response: Analysis,
  responseDescription: 'The final analysis',
  handle: (c, { id, body, meta }) => unwrapRpc(analysisStub(c.env, id).finalize(body, meta)),
})

callbackRoute(pipelineRoutes, {
  method: 'post',
  path: '/api/analyses/{id}/logs',
  summary: 'Append log lines (up to 1,000 per request)',
  description: 'Viewers see them live, batched into frames; the whole log is kept in R2 under ml_outputs/{id}/logs/.',
  maxBytes: MAX_JSON_BYTES * 8,
  body: LogsRequest,
  response: LogsAccepted,
  responseDescription: 'Stored',
  handle: (c, { id, body, meta }) => unwrapRpc(analysisStub(c.env, id).appendLogs(body.lines, meta)),
})

callbackRoute(pipelineRoutes, {
  method: 'post',
  path: '/api/analyses/{id}/annotations:bulk',
  honoPath: '/api/analyses/:id/:action{annotations:bulk}',
  summary: 'Post annotations in bulk (idempotent)',
  description:
    'All or nothing. Re-posting identical annotations stores nothing new. Modes: `append` (default), `replace` (atomic), `upsert` (by `key`). ' +
    'After finalize an identical replay still answers 200; new content answers 409 `analysis_finalized`.',
  maxBytes: MAX_BULK_JSON_BYTES,
  body: BulkAnnotationsRequest,
  response: BulkAnnotationsResponse,
  responseDescription: 'Stored',
  handle: (c, { id, body, meta }) => {
    const max = c.get('config').ML_MAX_BULK_ANNOTATIONS
    if (body.annotations.length > max) {
      throw new AppError(400, 'validation_error', `At most ${max} annotations per request (ML_MAX_BULK_ANNOTATIONS); got ${body.annotations.length}`, {
        max,
        received: body.annotations.length,
      })
    }
    return unwrapRpc(analysisStub(c.env, id).bulkAnnotations(body, meta))
  },
})
