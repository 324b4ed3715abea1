import { z } from 'zod'
import { ANNOTATION_TYPES } from './annotation-types'
import { Timestamp, Uuid } from './common'

/** `name@version`, split at the last `@` so names may contain one. */
export const ModelRef = z
  .string()
  .min(3)
  .max(401)
  .transform((v, ctx) => {
    const at = v.lastIndexOf('@')
    if (at <= 0 || at === v.length - 1) {
      ctx.addIssue({ code: 'custom', message: 'expected model_name@model_version' })
      return z.NEVER
    }
    return { model_name: v.slice(0, at), model_version: v.slice(at + 1) }
  })
  .meta({ description: 'A model version as `model_name@model_version`', example: 'yolo_v8@1.0.0' })

export const BulkReviewRequest = z
  .object({
    model_name: z.string().trim().min(1).max(200),
    model_version: z.string().trim().min(1).max(200),
    min_confidence: z.number().min(0).max(1).meta({ description: 'Predictions at or above this confidence are accepted' }),
    class_name: z.string().min(1).max(256).optional().meta({ description: 'Only this class; default every class' }),
    annotation_types: z.array(z.enum(ANNOTATION_TYPES)).min(1).optional(),
    include_reviewed: z.boolean().default(false).meta({ description: 'Also overwrite predictions a person already rejected' }),
    note: z.string().max(2000).nullish(),
  })
  .meta({ id: 'BulkReviewRequest', example: { model_name: 'yolo_v8', model_version: '1.0.0', min_confidence: 0.8, class_name: 'person' } })

export const BulkReviewResponse = z
  .object({
    undo_token: Uuid.meta({ description: 'Give it to `POST /api/projects/{project_id}/reviews/undo` to put every changed prediction back as it was' }),
    accepted: z.number().int().meta({ description: 'Predictions whose review this action changed' }),
    analyses: z.number().int(),
    created_at: Timestamp,
  })
  .meta({ id: 'BulkReviewResponse' })

export const UndoRequest = z.object({ undo_token: Uuid }).meta({ id: 'ReviewUndoRequest' })

export const UndoResponse = z
  .object({
    restored: z.number().int(),
    skipped: z.number().int().meta({ description: 'Predictions reviewed again since the bulk action: left as they are now' }),
  })
  .meta({ id: 'ReviewUndoResponse' })

export const ReviewBatch = z
  .object({
    undo_token: Uuid,
    filter: BulkReviewRequest.omit({ note: true }),
    accepted: z.number().int(),
    user_id: Uuid.nullable(),
    created_at: Timestamp,
    undone_at: Timestamp.nullable(),
  })
  .meta({ id: 'ReviewBatch' })

export const ReviewBatchList = z.object({ batches: z.array(ReviewBatch) }).meta({ id: 'ReviewBatchList' })

export const REVIEW_QUEUE_ORDERS = ['uncertain', 'disagreement'] as const

export const ReviewQueueQuery = z.object({
  model: ModelRef,
  order: z.enum(REVIEW_QUEUE_ORDERS).default('uncertain').meta({
    description: '`uncertain`: predictions scored near `threshold` first. `disagreement`: images where `model` and `against` disagree most first.',
  }),
  against: ModelRef.optional().meta({ description: 'The second version, for `disagreement`' }),
  threshold: z.coerce.number().min(0).max(1).default(0.5),
  margin: z.coerce.number().gt(0).max(1).default(0.2).meta({ description: 'How far from the threshold a score still counts as uncertain' }),
  iou: z.coerce.number().min(0).max(1).default(0.5),
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export const ReviewQueueItem = z
  .object({
    image_id: Uuid,
    filename: z.string(),
    analysis_id: Uuid,
    priority: z.number().meta({ description: 'Higher first: the sum of how uncertain its unreviewed predictions are, or its disagreements' }),
    unreviewed: z.number().int(),
    uncertain: z.number().int().meta({ description: 'Unreviewed predictions within `margin` of `threshold`' }),
    disagreements: z.number().int().nullable(),
  })
  .meta({ id: 'ReviewQueueItem' })

export const ReviewQueue = z
  .object({ items: z.array(ReviewQueueItem), total: z.number().int(), skip: z.number().int(), limit: z.number().int() })
  .meta({ id: 'ReviewQueue' })

export const ProjectCompareQuery = z.object({
  a: ModelRef,
  b: ModelRef,
  iou: z.coerce.number().min(0).max(1).default(0.5).meta({ description: 'IoU (OKS for keypoints) at which two objects are the same object' }),
  image_id: Uuid.optional().meta({ description: 'Return the object pairs of this image' }),
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

const Tally = z.object({ matched: z.number().int(), only_a: z.number().int(), only_b: z.number().int(), class_changed: z.number().int() })

export const COMPARE_OUTCOMES = ['matched', 'only_a', 'only_b', 'class_changed'] as const

export const ComparePair = z
  .object({
    outcome: z.enum(COMPARE_OUTCOMES),
    annotation_type: z.string(),
    a_id: Uuid.nullable(),
    b_id: Uuid.nullable(),
    a_class: z.string().nullable(),
    b_class: z.string().nullable(),
    iou: z.number().nullable(),
  })
  .meta({ id: 'ComparePair' })
export type ComparePair = z.infer<typeof ComparePair>

export const ProjectComparison = z
  .object({
    a: z.object({ model_name: z.string(), model_version: z.string() }),
    b: z.object({ model_name: z.string(), model_version: z.string() }),
    iou_threshold: z.number(),
    totals: Tally,
    by_type: z.record(z.string(), Tally),
    class_changes: z.array(z.object({ a_class: z.string(), b_class: z.string(), count: z.number().int() })),
    images: z.array(
      Tally.extend({
        image_id: Uuid,
        filename: z.string(),
        a_analysis_id: Uuid,
        b_analysis_id: Uuid,
        disagreement: z.number().int().meta({ description: 'only_a + only_b + class_changed' }),
      }),
    ),
    total_images: z.number().int(),
    skip: z.number().int(),
    limit: z.number().int(),
    pairs: z.array(ComparePair).optional().meta({ description: 'With `image_id`: every object of that image, paired' }),
  })
  .meta({ id: 'ProjectComparison' })
