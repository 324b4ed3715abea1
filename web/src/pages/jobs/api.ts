/**
 * Jobs, their metrics and logs, and model versions, as the viewer calls them (docs/jobs.md).
 * Same-origin with the session cookie, errors as `ApiError` through the shared envelope reader.
 */
import type { z } from 'zod'
import type { LogsPage as LogsPageSchema } from '../../../../src/schemas/events'
import type {
  JobArtifactList as JobArtifactListSchema,
  JobCreate as JobCreateSchema,
  JobDetail as JobDetailSchema,
  JobList as JobListSchema,
  JobQueue as JobQueueSchema,
  Job as JobSchema,
} from '../../../../src/schemas/jobs'
import type { MetricsResponse as MetricsResponseSchema } from '../../../../src/schemas/metrics'
import type {
  Lineage as LineageSchema,
  ModelComparison as ModelComparisonSchema,
  ModelVersionList as ModelVersionListSchema,
} from '../../../../src/schemas/model-versions'
import { json, withQuery } from '../../lib/api'

export type Job = z.infer<typeof JobSchema>
export type JobDetail = z.infer<typeof JobDetailSchema>
export type JobList = z.infer<typeof JobListSchema>
export type JobQueue = z.infer<typeof JobQueueSchema>
export type JobCreate = z.input<typeof JobCreateSchema>
export type JobArtifactList = z.infer<typeof JobArtifactListSchema>
export type MetricsResponse = z.infer<typeof MetricsResponseSchema>
export type LogsPage = z.infer<typeof LogsPageSchema>
export type ModelVersionList = z.infer<typeof ModelVersionListSchema>
export type Lineage = z.infer<typeof LineageSchema>
export type ModelComparison = z.infer<typeof ModelComparisonSchema>

const enc = encodeURIComponent
const job = (id: string) => `/api/jobs/${enc(id)}`
const project = (id: string) => `/api/projects/${enc(id)}`

export const jobsApi = {
  list: (projectId: string, signal?: AbortSignal) => json<JobList>('GET', withQuery(`${project(projectId)}/jobs`, { limit: 100 }), { signal }),
  queue: (projectId: string, signal?: AbortSignal) => json<JobQueue>('GET', `${project(projectId)}/jobs/queue`, { signal }),
  create: (projectId: string, body: JobCreate) => json<JobDetail>('POST', `${project(projectId)}/jobs`, { body }),
  get: (id: string, signal?: AbortSignal) => json<JobDetail>('GET', job(id), { signal }),
  cancel: (id: string) => json<Job>('POST', `${job(id)}/cancel`),
  metrics: (id: string, signal?: AbortSignal) => json<MetricsResponse>('GET', withQuery(`${job(id)}/metrics`, { max_points: 500 }), { signal }),
  logs: (id: string, signal?: AbortSignal) => json<LogsPage>('GET', withQuery(`${job(id)}/logs`, { limit: 1000 }), { signal }),
  logsTextUrl: (id: string) => `${job(id)}/logs?format=text`,
  artifacts: (id: string, signal?: AbortSignal) => json<JobArtifactList>('GET', `${job(id)}/artifacts`, { signal }),
  artifactUrl: (id: string, storagePath: string) => json<{ download_url: string }>('GET', withQuery(`${job(id)}/artifacts/download`, { storage_path: storagePath })),

  versions: (projectId: string, signal?: AbortSignal) => json<ModelVersionList>('GET', withQuery(`${project(projectId)}/model-versions`, { limit: 500 }), { signal }),
  lineage: (versionId: string, signal?: AbortSignal) => json<Lineage>('GET', `/api/model-versions/${enc(versionId)}/lineage`, { signal }),
  compare: (projectId: string, base: string, candidate: string, signal?: AbortSignal) =>
    json<ModelComparison>('GET', withQuery(`${project(projectId)}/model-versions/compare`, { base, candidate }), { signal }),
}
