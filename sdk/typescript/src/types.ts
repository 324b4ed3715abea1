/**
 * The wire types, derived from the server's zod schemas in `src/schemas/`. Type-only imports: zod
 * is never loaded at runtime, and a schema change on the server is a type error here. The published
 * declarations spell these types out (`scripts/declarations.ts`), so a consumer needs no zod.
 */
import type { z } from 'zod'
import type * as analyses from '../../../src/schemas/analyses'
import type * as annotationTypes from '../../../src/schemas/annotation-types'
import type * as artifacts from '../../../src/schemas/artifacts'
import type * as claims from '../../../src/schemas/claims'
import type * as common from '../../../src/schemas/common'
import type * as events from '../../../src/schemas/events'
import type * as batch from '../../../src/schemas/batch'
import type * as images from '../../../src/schemas/images'
import type * as jobs from '../../../src/schemas/jobs'
import type * as metrics from '../../../src/schemas/metrics'
import type * as modelVersions from '../../../src/schemas/model-versions'
import type * as pipelines from '../../../src/schemas/pipelines'
import type * as projects from '../../../src/schemas/projects'

export type Analysis = z.output<typeof analyses.Analysis>
export type AnalysisWithAnnotations = z.output<typeof analyses.AnalysisWithAnnotations>
/** What a create answers: the analysis, and its run credential when a pipeline key created it. */
export type AnalysisCreated = z.output<typeof analyses.AnalysisCreated>
export type AnalysisStatus = z.output<typeof analyses.AnalysisStatus>
/** The body of `POST /api/images/{image_id}/analyses`; `image_id` comes from the path. */
export type AnalysisCreate = Omit<z.input<typeof analyses.AnalysisCreate>, 'image_id'>
export type Annotation = z.output<typeof analyses.Annotation>
/**
 * One annotation as posted. The schema builds `storage_path` with a conditional (required, nullish
 * or absent by type), which zod's inference reads as a key that is always present; it is made
 * optional here, and the server still refuses a heatmap or mask without one.
 */
export type AnnotationInput = OptionalStoragePath<z.input<typeof annotationTypes.AnnotationInput>>
type OptionalStoragePath<A> = A extends { storage_path: infer S } ? Flat<Omit<A, 'storage_path'> & { storage_path?: S }> : A
/** One object type instead of an intersection, so editors and the published declarations show the fields. */
type Flat<T> = { [K in keyof T]: T[K] } & {}
export type HeatmapAnnotationInput = Extract<AnnotationInput, { annotation_type: 'heatmap' }>
export type MaskAnnotationInput = Extract<AnnotationInput, { annotation_type: 'mask' }>
export type AnnotationType = annotationTypes.AnnotationType
export type BulkMode = (typeof analyses.BULK_MODES)[number]
export type BulkAnnotationsRequest = Flat<Omit<z.input<typeof analyses.BulkAnnotationsRequest>, 'annotations'> & { annotations: AnnotationInput[] }>
export type BulkAnnotationsResponse = z.output<typeof analyses.BulkAnnotationsResponse>
export type StatusUpdate = z.input<typeof analyses.StatusUpdate>
export type ProgressUpdate = z.input<typeof analyses.ProgressUpdate>
export type Finalize = z.input<typeof analyses.Finalize>
/** A stage's timing as the server records it (the SDK's own `Stage` is the handle you report with). */
export type StageTiming = z.output<typeof analyses.Stage>

export type Job = z.output<typeof jobs.Job>
export type JobDetail = z.output<typeof jobs.JobDetail>
export type JobKind = z.output<typeof jobs.JobKind>
/** The body of `POST /api/projects/{project_id}/jobs`. */
export type JobCreate = z.input<typeof jobs.JobCreate>
export type MetricPointInput = z.input<typeof metrics.MetricPointInput>
export type MetricsAccepted = z.output<typeof metrics.MetricsAccepted>
/** What `POST /api/jobs/{id}/inputs` answers: the job, its frozen dataset and applied version with short-lived URLs. */
export type JobInputs = z.output<typeof batch.JobInputsResponse>
export type BatchImagesPage = z.output<typeof batch.BatchImagesPage>
/** One image's result in a batch; its annotations as `AnnotationInput` (storage_path optional, as above). */
export type BatchResultItem = Flat<Omit<z.input<typeof batch.BatchResultItem>, 'annotations'> & { annotations?: AnnotationInput[] }>
export type BatchResultsResponse = z.output<typeof batch.BatchResultsResponse>
export type ModelVersion = z.output<typeof modelVersions.ModelVersion>
/** The body of `POST /api/jobs/{id}/model-versions`: the version a training job produced. */
export type ModelVersionRegister = z.input<typeof modelVersions.ModelVersionRegister>

/** Pinned to the server's constant: if it changes there, this line stops compiling. */
export const MAX_METRIC_POINTS_PER_REQUEST: typeof metrics.MAX_METRIC_POINTS_PER_REQUEST = 1000
export const MAX_BATCH_RESULT_ITEMS: typeof batch.MAX_BATCH_RESULT_ITEMS = 100

/** A run a claim handed out: its kind and id, and what a push delivery of it would carry in `data`. */
export type ClaimedRun = z.output<typeof claims.ClaimedRun>
export type ClaimKind = ClaimedRun['kind']
/** `wait_seconds` (0..20, default 0) long-polls: the answer comes once something was claimed or the wait is over. */
export type ClaimRequest = Flat<z.input<typeof claims.ClaimRequest> & { wait_seconds?: number }>
/** A claim's hold on its run: send `token` as `X-ML-Lease`, or renew it before `expires_at`. */
export type Lease = z.output<typeof claims.Lease>
/** What a release answers: the run, back in `queued` (or where it was) for the next claim. */
export interface ReleasedRun {
  kind: ClaimKind
  id: string
  status: AnalysisStatus
}

export type ArtifactType = artifacts.ArtifactType
export type PresignRequest = z.input<typeof artifacts.PresignRequest>
export type PresignResponse = z.output<typeof artifacts.PresignResponse>
export type Artifact = z.output<typeof artifacts.Artifact>

/** The run credential a create by pipeline key answers with (docs/security.md#run-credentials). */
export type CallbackCredential = z.output<typeof pipelines.CallbackCredential>

export type ErrorEnvelope = z.output<typeof common.ErrorEnvelope>

/** What a pipeline reads about its inputs through `userRequest`. */
export type Image = z.output<typeof images.Image>
export type ImageList = z.output<typeof images.ImageList>
export type Project = z.output<typeof projects.Project>
export type ProjectList = z.output<typeof projects.ProjectList>

export type LogLevel = (typeof events.LOG_LEVELS)[number]
/** A log line as sent; the server also accepts `warn` for `warning`, the SDK normalizes it. */
export type LogLine = z.output<typeof events.LogLine>
export type LogsRequest = z.output<typeof events.LogsRequest>
export type LogsAccepted = z.output<typeof events.LogsAccepted>
export type LiveMessage = z.output<typeof events.LiveMessage>

/** Pinned to the server's constant: if it changes there, this line stops compiling. */
export const MAX_LOG_LINES_PER_REQUEST: typeof events.MAX_LOG_LINES_PER_REQUEST = 1000

export const LOG_LEVELS: typeof events.LOG_LEVELS = ['debug', 'info', 'warning', 'error']

export const BULK_MODES: typeof analyses.BULK_MODES = ['append', 'replace', 'upsert']

/** The statuses an analysis never leaves (docs/state-machine.md). */
export const TERMINAL_STATUSES = ['completed', 'failed', 'canceled'] as const satisfies readonly AnalysisStatus[]
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number]

/** The statuses a pipeline may finalize with; `canceled` belongs to people and deadlines. */
export const FINAL_STATUSES = ['completed', 'failed'] as const satisfies readonly Finalize['status'][]
export type FinalStatus = (typeof FINAL_STATUSES)[number]

/**
 * The content type an upload of these artifact types is sent with when none is given: the first of
 * those the server allows for the type. Other types default to application/octet-stream
 * (docs/ML_PIPELINE_INTEGRATION.md, "Artifact upload").
 */
export const ARTIFACT_CONTENT_TYPES = {
  heatmap: 'image/png',
  mask: 'image/png',
  segmentation: 'image/png',
  log: 'text/plain',
  metadata: 'application/json',
} as const satisfies { readonly [K in ArtifactType]?: (typeof artifacts.ARTIFACT_CONTENT_TYPES)[K][0] }
