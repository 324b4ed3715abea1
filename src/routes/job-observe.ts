import { createRoute } from '@hono/zod-openapi'
import { jobStub } from '../../durable-objects/job-object'
import { currentUser } from '../auth/middleware'
import { compactTimestamp, download, filenameSafe } from '../domain/exports/download'
import { PROJECT_DATASETS } from '../domain/exports/project'
import { readableFrom, zipStream } from '../domain/exports/stream'
import { jobArtifactDownload, listJobArtifacts } from '../domain/jobs/artifacts'
import { batchDataset } from '../domain/jobs/batch'
import { jobForUser } from '../domain/jobs/read'
import { readSeries } from '../domain/metrics'
import { AppError } from '../errors'
import { requestOrigin } from '../http/context'
import { createRouter } from '../http/router'
import { DownloadQuery, DownloadResponse } from '../schemas/artifacts'
import { BatchExportQuery } from '../schemas/batch'
import { errorResponses } from '../schemas/common'
import { downloadResponse } from '../schemas/exports'
import { asUser } from './access'
import { runLogResponse, runLogRoute } from './run-logs'
import { JobArtifactList } from '../schemas/jobs'
import { MetricsQuery, MetricsResponse } from '../schemas/metrics'
import { jsonContent } from './openapi'
import { IdParam } from './params'
import { runLiveDescription, runLiveRequest, runLiveResponses, runLiveSocket } from './run-live'

/** What people read of a job while it runs and after: logs, the live stream, metrics, artifacts, a batch's export. */
export const jobObserveRoutes = createRouter()
  .openapi(
    runLogRoute({
      path: '/api/jobs/{id}/logs',
      tags: ['Jobs'],
      summary: 'The job’s whole log, during the run and after it: paginated JSON, or ?format=text',
      ...asUser,
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await jobForUser(c.get('db'), currentUser(c), id, 'read')
      return runLogResponse(c, c.req.valid('query'), (offset, limit) => jobStub(c.env, id).readLogs(offset, limit))
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}/metrics',
      tags: ['Jobs'],
      summary: 'The job’s metric series, downsampled for charts or as raw pages',
      ...asUser,
      request: { params: IdParam, query: MetricsQuery },
      responses: { 200: jsonContent(MetricsResponse, 'Every series, or the one named'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await jobForUser(c.get('db'), currentUser(c), id, 'read')
      return c.json({ series: await readSeries(c.get('d1'), id, c.req.valid('query')) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}/artifacts',
      tags: ['Jobs'],
      summary: 'The job’s artifacts (weights, model cards, reports), pending and uploaded',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(JobArtifactList, 'The artifacts'), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await jobForUser(c.get('db'), currentUser(c), id, 'read')
      return c.json({ artifacts: await listJobArtifacts(c.get('db'), id) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}/artifacts/download',
      tags: ['Jobs'],
      summary: 'A presigned download URL for one of the job’s artifacts or log chunks',
      ...asUser,
      request: { params: IdParam, query: DownloadQuery },
      responses: { 200: jsonContent(DownloadResponse, 'URL'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id
      await jobForUser(c.get('db'), currentUser(c), id, 'read')
      return c.json(await jobArtifactDownload(c.get('db'), c.get('config'), requestOrigin(c), id, c.req.valid('query').storage_path), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/jobs/{id}/export',
      tags: ['Jobs'],
      summary: 'Download a batch_inference job’s completed analyses as one COCO or YOLO dataset',
      ...asUser,
      request: { params: IdParam, query: BatchExportQuery },
      responses: { 200: downloadResponse('The batch, streamed', ['application/zip']), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { job } = await jobForUser(c.get('db'), currentUser(c), c.req.valid('param').id, 'read')
      if (job.kind !== 'batch_inference') throw new AppError(409, 'conflict', `A ${job.kind} job has no batch to export`, { kind: job.kind })
      const { format, review } = c.req.valid('query')
      const dataset = await batchDataset(c.get('d1'), c.env.BUCKET, job, review)
      const filename = `batch_${filenameSafe(job.model_name, 'model')}_${filenameSafe(job.model_version ?? '', 'version')}_${compactTimestamp(job.completed_at)}.${format}.zip`
      return download(readableFrom(zipStream(PROJECT_DATASETS[format](dataset))), filename, 'application/zip')
    },
  )

jobObserveRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/jobs/{id}/live',
    tags: ['Jobs'],
    summary: 'Live events of a job over a WebSocket (see docs/jobs.md#live)',
    description: runLiveDescription,
    ...asUser,
    request: runLiveRequest,
    responses: runLiveResponses,
  }),
  async (c) => {
    const id = c.req.valid('param').id
    return runLiveSocket(c, () => jobForUser(c.get('db'), currentUser(c), id, 'read'), () => jobStub(c.env, id))
  },
)
