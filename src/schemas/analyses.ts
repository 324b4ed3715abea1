import { z } from 'zod'
import { AnnotationInput, ANNOTATION_TYPES } from './annotation-types'
import { JsonObject, Pagination, Timestamp, Uuid } from './common'
import { CallbackCredential } from './pipelines'
import { DeadlineField, RUN_STATUSES, runControlFields, runRecordTimes, runStatusSchema, statusUpdateSchema, type RunStatus } from './runs'

export { Finalize, ProgressUpdate, Stage } from './runs'

export const ANALYSIS_STATUSES = RUN_STATUSES
export const AnalysisStatus = runStatusSchema('AnalysisStatus')
export type AnalysisStatus = RunStatus

export const REVIEW_STATES = ['unreviewed', 'accepted', 'rejected'] as const
export const ReviewState = z.enum(REVIEW_STATES).meta({ id: 'ReviewState' })

export const AnalysisCreate = z
  .object({
    image_id: Uuid.optional().meta({ description: 'Optional; must match the path when given' }),
    model_name: z.string().trim().min(1).max(200),
    model_version: z.string().trim().min(1).max(200),
    parameters: JsonObject.nullish(),
    provenance: JsonObject.nullish(),
    external_job_id: z.string().min(1).max(256).nullish(),
    priority: z.number().int().min(-1000).max(1000).default(0),
    group_id: z.string().min(1).max(256).nullish(),
    deadline: DeadlineField,
  })
  .meta({
    id: 'AnalysisCreate',
    example: {
      model_name: 'yolo_v8',
      model_version: '1.0.0',
      parameters: { confidence_threshold: 0.5, iou_threshold: 0.4, max_detections: 100 },
      provenance: { git_commit: 'abc123', docker_image: 'myorg/yolo:v8-20250101', training_dataset: 'coco2017' },
    },
  })

export const Annotation = z
  .object({
    id: Uuid,
    analysis_id: Uuid,
    annotation_type: z.enum(ANNOTATION_TYPES),
    class_name: z.string().nullable(),
    confidence: z.number().nullable(),
    data: JsonObject,
    storage_path: z.string().nullable(),
    ordering: z.number().int().nullable(),
    key: z.string().nullable(),
    review_state: ReviewState,
    review_note: z.string().nullable(),
    reviewed_by_id: Uuid.nullable(),
    reviewed_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'Annotation' })
export type Annotation = z.infer<typeof Annotation>

export const Analysis = z
  .object({
    id: Uuid,
    image_id: Uuid,
    project_id: Uuid,
    model_name: z.string(),
    model_version: z.string(),
    status: AnalysisStatus,
    error_message: z.string().nullable(),
    ...runControlFields,
    parameters: JsonObject.nullable(),
    provenance: JsonObject.nullable(),
    requested_by_id: Uuid.nullable(),
    // Optional only so clients written before registered pipelines still type-check; the server always sends it.
    pipeline_id: Uuid.nullable().optional().meta({ description: 'The registered pipeline that created or claimed it' }),
    external_job_id: z.string().nullable(),
    priority: z.number().int(),
    group_id: z.string().nullable(),
    model_version_id: Uuid.nullable().meta({ description: 'The registered model version that made it (docs/jobs.md#model-versions)' }),
    job_id: Uuid.nullable().meta({ description: 'The batch_inference job that created it' }),
    progress: z.number(),
    stage: z.string().nullable(),
    annotation_count: z.number().int(),
    ...runRecordTimes,
  })
  .meta({ id: 'Analysis' })
export type Analysis = z.infer<typeof Analysis>

export const AnalysisWithAnnotations = Analysis.extend({ annotations: z.array(Annotation) }).meta({ id: 'AnalysisWithAnnotations' })

export const AnalysisCreated = AnalysisWithAnnotations.extend({
  callback: CallbackCredential.optional().meta({ description: 'Only when a pipeline key created it: sign this analysis’s callbacks with `callback.secret`' }),
}).meta({ id: 'AnalysisCreated' })

export const AnalysisList = z.object({ analyses: z.array(Analysis), total: z.number().int() }).meta({ id: 'AnalysisList' })

export const AnalysisListQuery = Pagination.extend({
  status: AnalysisStatus.optional(),
  model_name: z.string().optional(),
  group_id: z.string().optional(),
})

export const AnnotationListQuery = z.object({
  skip: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
  cursor: z.string().max(200).optional(),
  annotation_type: z.enum(ANNOTATION_TYPES).optional(),
  class_name: z.string().max(256).optional(),
  min_confidence: z.coerce.number().min(0).max(1).optional(),
  review_state: ReviewState.optional(),
})

export const AnnotationList = z
  .object({ annotations: z.array(Annotation), total: z.number().int(), next_cursor: z.string().nullable() })
  .meta({ id: 'AnnotationList' })

export const StatusUpdate = statusUpdateSchema(AnalysisStatus).meta({ id: 'StatusUpdate', example: { status: 'processing' } })

export const BULK_MODES = ['append', 'replace', 'upsert'] as const

export const BulkAnnotationsRequest = z
  .object({
    annotations: z.array(AnnotationInput),
    mode: z.enum(BULK_MODES).default('append'),
  })
  .meta({ id: 'BulkAnnotationsRequest' })

export const BulkAnnotationsResponse = z
  .object({
    annotations: z.array(Annotation),
    total: z.number().int(),
    created: z.number().int().meta({ description: 'Rows this request added' }),
    updated: z.number().int().meta({ description: 'Rows an `upsert` rewrote under an existing key (their review resets)' }),
    duplicates: z.number().int().meta({ description: 'Items already stored exactly as sent: nothing written' }),
  })
  .meta({ id: 'BulkAnnotationsResponse' })

export const ReviewUpdate = z
  .object({ state: ReviewState, note: z.string().max(2000).nullish() })
  .meta({ id: 'ReviewUpdate', example: { state: 'accepted' } })
