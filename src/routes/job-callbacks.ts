import { jobStub } from '../../durable-objects/job-object'
import { presignJobArtifact } from '../domain/jobs/artifacts'
import { batchImagesPage, jobInputs } from '../domain/jobs/inputs'
import { unwrapRpc } from '../errors'
import { requestOrigin } from '../http/context'
import { MAX_BULK_JSON_BYTES, MAX_JSON_BYTES } from '../http/json-body'
import { createRouter } from '../http/router'
import { BatchImagesPage, BatchImagesRequest, BatchResultsRequest, BatchResultsResponse, InputsRequest, JobInputsResponse } from '../schemas/batch'
import { LogsAccepted, LogsRequest } from '../schemas/events'
import { Job, JobStatusUpdate } from '../schemas/jobs'
import { MetricsAccepted, MetricsRequest } from '../schemas/metrics'
import { ModelVersion, ModelVersionRegister } from '../schemas/model-versions'
import { Finalize, ProgressUpdate } from '../schemas/runs'
import { callbackRoute, presignCallback } from './callback-route'

/**
 * The signed callbacks a pipeline makes on a job: the analysis ones under the job's own path, with
 * the same signing, plus what only jobs do (docs/jobs.md#the-wire-contract).
 */
export const jobCallbackRoutes = createRouter()

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'patch',
  path: '/api/jobs/{id}/status',
  summary: 'Move the job through its state machine, optionally with progress',
  description:
    'The transition table is the analyses’ (docs/state-machine.md). A job still waiting for its slot or its dataset answers 409 `job_waiting` ' +
    'with `details.reason` and its `queue_position`. A finished job changes no field: 409 `job_finalized` or `job_canceled`.',
  maxBytes: MAX_JSON_BYTES,
  body: JobStatusUpdate,
  response: Job,
  responseDescription: 'The job after the update',
  handle: (c, { id, body, meta }) => unwrapRpc(jobStub(c.env, id).updateStatus(body, meta)),
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/progress',
  summary: 'Report the job’s progress (0..1), its current stage, and a message',
  maxBytes: MAX_JSON_BYTES,
  body: ProgressUpdate,
  response: Job,
  responseDescription: 'The job after the update',
  handle: (c, { id, body, meta }) => unwrapRpc(jobStub(c.env, id).reportProgress(body, meta)),
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/logs',
  summary: 'Append log lines to the job (up to 1,000 per request)',
  description: 'Viewers see them live; the whole log is kept in R2 under jobs/{id}/logs/.',
  maxBytes: MAX_JSON_BYTES * 8,
  body: LogsRequest,
  response: LogsAccepted,
  responseDescription: 'Stored',
  handle: (c, { id, body, meta }) => unwrapRpc(jobStub(c.env, id).appendLogs(body.lines, meta)),
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/metrics',
  summary: 'Post metric points in bulk (loss per epoch, learning rate, mAP, throughput)',
  description: 'Up to 1,000 points per request and 100 names per job. A point posted again for the same name and step replaces the first, so retries are safe.',
  maxBytes: MAX_JSON_BYTES,
  body: MetricsRequest,
  response: MetricsAccepted,
  responseDescription: 'Stored and streamed to viewers',
  handle: (c, { id, body, meta }) => unwrapRpc(jobStub(c.env, id).postMetrics(body.points, meta)),
})

presignCallback(jobCallbackRoutes, {
  kind: 'job',
  path: '/api/jobs/{id}/artifacts/presign',
  summary: 'Get a presigned PUT URL for a job artifact (weights, model card, report)',
  responseDescription: 'Upload with PUT and the given headers; stored under jobs/{id}/',
  gate: (c, id, meta) => unwrapRpc(jobStub(c.env, id).presignGate(meta)),
  presign: presignJobArtifact,
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/finalize',
  summary: 'Finish the job as completed or failed',
  description: 'Its slot goes to the next waiting job. A `batch_inference` job cancels the analyses it left open.',
  maxBytes: MAX_JSON_BYTES,
  body: Finalize,
  response: Job,
  responseDescription: 'The final job',
  handle: (c, { id, body, meta }) => unwrapRpc(jobStub(c.env, id).finalize(body, meta)),
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/inputs',
  summary: 'The job with its inputs: the frozen dataset and the applied model version, as short-lived URLs',
  maxBytes: MAX_JSON_BYTES,
  body: InputsRequest,
  response: JobInputsResponse,
  responseDescription: 'The inputs',
  handle: async (c, { id, meta }) => {
    // Named, not inferred: the job record's JSON fields defeat RPC's type inference.
    const job = (await unwrapRpc(jobStub(c.env, id).workGate(meta))) as Job
    return jobInputs(c.get('db'), c.get('config'), requestOrigin(c), job)
  },
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/model-versions',
  summary: 'Register the model version the job produced',
  description:
    'Its artifacts are the job’s own uploads; its dataset is the job’s; metrics default to the latest value of each of the job’s series. ' +
    'Registering the same name and version again from the same job returns the first (a retry).',
  maxBytes: MAX_JSON_BYTES,
  body: ModelVersionRegister,
  response: ModelVersion,
  responseDescription: 'The registered version',
  handle: async (c, { id, body, meta }) => ((await unwrapRpc(jobStub(c.env, id).registerVersion(body, meta))) as { version: ModelVersion }).version,
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/batch/images',
  summary: 'A page of the images a batch_inference job covers, each with a download URL',
  maxBytes: MAX_JSON_BYTES,
  body: BatchImagesRequest,
  response: BatchImagesPage,
  responseDescription: 'A page of images',
  handle: async (c, { id, body, meta }) => {
    // Named, not inferred: the job record's JSON fields defeat RPC's type inference.
    const job = (await unwrapRpc(jobStub(c.env, id).workGate(meta))) as Job
    return batchImagesPage(c.get('d1'), c.get('config'), requestOrigin(c), job, body)
  },
})

callbackRoute(jobCallbackRoutes, {
  kind: 'job',
  method: 'post',
  path: '/api/jobs/{id}/batch/results',
  summary: 'Post a batch_inference job’s results for up to 100 images',
  description:
    'Each image’s analysis is created on first mention, in the job’s group; its annotations are appended and, with `status`, it is finished. ' +
    'An image outside the batch refuses the whole request; an item whose analysis refuses (e.g. canceled) reports its own `error`.',
  maxBytes: MAX_BULK_JSON_BYTES,
  body: BatchResultsRequest,
  response: BatchResultsResponse,
  responseDescription: 'Each item’s outcome and the batch’s counts',
  handle: (c, { id, body, meta }) => unwrapRpc(jobStub(c.env, id).batchResults(body.items, meta)),
})
