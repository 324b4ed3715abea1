/**
 * The viewer's names for the API's shapes. Every one is inferred from the server's zod schemas
 * through type-only imports, so the schemas stay the single source of truth and zod is not bundled.
 */
import type { z } from 'zod'
import type {
  Analysis as AnalysisSchema,
  AnalysisList as AnalysisListSchema,
  AnalysisStatus as AnalysisStatusSchema,
  Annotation as AnnotationSchema,
  AnnotationList as AnnotationListSchema,
  ReviewState as ReviewStateSchema,
  ReviewUpdate as ReviewUpdateSchema,
  Stage as StageSchema,
} from '../../../src/schemas/analyses'
import type { AnnotationType as AnnotationTypeName } from '../../../src/schemas/annotation-types'
import type { DownloadResponse as DownloadResponseSchema } from '../../../src/schemas/artifacts'
import type { Delivery as DeliverySchema, DeliveryList as DeliveryListSchema, Redelivered as RedeliveredSchema } from '../../../src/schemas/deliveries'
import type { ErrorEnvelope as ErrorEnvelopeSchema } from '../../../src/schemas/common'
import type { Me as MeSchema } from '../../../src/schemas/auth'
import type { LiveMessage as LiveMessageSchema, LogLevel as LogLevelSchema, LogLine as LogLineSchema, LogsPage as LogsPageSchema } from '../../../src/schemas/events'
import type { AnalysisSummary as AnalysisSummarySchema, Image as ImageSchema, ImageList as ImageListSchema } from '../../../src/schemas/images'
import type { ModelVersion as ModelVersionSchema, ModelVersionList as ModelVersionListSchema } from '../../../src/schemas/model-versions'
import type {
  BulkReviewRequest as BulkReviewRequestSchema,
  BulkReviewResponse as BulkReviewResponseSchema,
  ComparePair as ComparePairSchema,
  ProjectComparison as ProjectComparisonSchema,
  ReviewBatch as ReviewBatchSchema,
  ReviewBatchList as ReviewBatchListSchema,
  ReviewQueue as ReviewQueueSchema,
  ReviewQueueItem as ReviewQueueItemSchema,
  ReviewQueueQuery as ReviewQueueQuerySchema,
  UndoResponse as UndoResponseSchema,
} from '../../../src/schemas/project-review'
import type { Project as ProjectSchema, ProjectList as ProjectListSchema } from '../../../src/schemas/projects'
import type { ProjectActivity as ProjectActivitySchema } from '../../../src/schemas/activity'
import type { ProjectStatus as ProjectStatusSchema } from '../../../src/schemas/project-status'
import type { SloList as SloListSchema, SloStatus as SloStatusSchema } from '../../../src/schemas/slos'

export type Analysis = z.infer<typeof AnalysisSchema>
export type AnalysisList = z.infer<typeof AnalysisListSchema>
export type AnalysisStatus = z.infer<typeof AnalysisStatusSchema>
export type Annotation = z.infer<typeof AnnotationSchema>
export type AnnotationList = z.infer<typeof AnnotationListSchema>
export type AnnotationType = AnnotationTypeName
export type ReviewState = z.infer<typeof ReviewStateSchema>
export type ReviewUpdate = z.input<typeof ReviewUpdateSchema>
export type Stage = z.infer<typeof StageSchema>
export type DownloadResponse = z.infer<typeof DownloadResponseSchema>
export type Delivery = z.infer<typeof DeliverySchema>
export type DeliveryList = z.infer<typeof DeliveryListSchema>
export type DeliveryOutcome = Delivery['outcome']
export type Redelivered = z.infer<typeof RedeliveredSchema>
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>
export type LiveMessage = z.infer<typeof LiveMessageSchema>
export type LogLevel = z.infer<typeof LogLevelSchema>
export type LogLine = z.infer<typeof LogLineSchema>
export type LogsPage = z.infer<typeof LogsPageSchema>
export type AnalysisSummary = z.infer<typeof AnalysisSummarySchema>
export type Image = z.infer<typeof ImageSchema>
export type ImageList = z.infer<typeof ImageListSchema>
export type Project = z.infer<typeof ProjectSchema>
export type ProjectList = z.infer<typeof ProjectListSchema>

export type Me = z.infer<typeof MeSchema>

export type ModelVersion = z.infer<typeof ModelVersionSchema>
export type ModelVersionList = z.infer<typeof ModelVersionListSchema>
export type BulkReviewRequest = z.input<typeof BulkReviewRequestSchema>
export type BulkReviewResponse = z.infer<typeof BulkReviewResponseSchema>
export type UndoResponse = z.infer<typeof UndoResponseSchema>
export type ReviewBatch = z.infer<typeof ReviewBatchSchema>
export type ReviewBatchList = z.infer<typeof ReviewBatchListSchema>
export type ReviewQueueOrder = z.infer<typeof ReviewQueueQuerySchema>['order']
export type ReviewQueueItem = z.infer<typeof ReviewQueueItemSchema>
export type ReviewQueue = z.infer<typeof ReviewQueueSchema>
export type ProjectComparison = z.infer<typeof ProjectComparisonSchema>
export type ComparedImage = ProjectComparison['images'][number]
export type CompareTally = ProjectComparison['totals']
export type ComparePair = z.infer<typeof ComparePairSchema>
export type CompareOutcome = ComparePair['outcome']

export type ProjectActivity = z.infer<typeof ProjectActivitySchema>
export type ProjectStatus = z.infer<typeof ProjectStatusSchema>
export type SloList = z.infer<typeof SloListSchema>
export type SloStatus = z.infer<typeof SloStatusSchema>

export type { AnalysisExportFormat, CocoVariant, ProjectExportQuery } from '../../../src/schemas/exports'

// Values, not types: run-statuses.ts holds no zod, so importing it keeps zod out of the bundle.
export { isTerminal, RUN_STATUSES, TERMINAL_STATUSES } from '../../../src/schemas/run-statuses'
