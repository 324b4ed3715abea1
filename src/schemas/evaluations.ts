import { z } from 'zod'
import { Timestamp, Uuid } from './common'

export const EVALUATION_STATUSES = ['queued', 'running', 'completed', 'failed'] as const
export const GROUND_TRUTH_SOURCES = ['import', 'reviews', 'both'] as const
export const IOU_TYPES = ['bbox', 'segm', 'keypoints'] as const
export const EVALUATION_RUNNERS = ['inline', 'durable_object'] as const
export const EVALUATION_IMAGE_SCOPES = ['predicted', 'ground_truth'] as const
export type GroundTruthSource = (typeof GROUND_TRUTH_SOURCES)[number]

const unit = z.number().min(0).max(1)

export const ModelSelector = z
  .object({ model_name: z.string().trim().min(1).max(200), model_version: z.string().trim().min(1).max(200) })
  .meta({ id: 'ModelSelector', example: { model_name: 'yolo_v8', model_version: '1.0.0' } })
export const GroupSelector = z.object({ group_id: z.string().min(1).max(256) }).meta({ id: 'GroupSelector' })

export const PredictionSelector = z
  .union([ModelSelector, GroupSelector])
  .meta({
    id: 'PredictionSelector',
    description: "A model version, or an analysis group: each image's latest completed analysis of it is judged",
  })
export type PredictionSelector = z.infer<typeof PredictionSelector>

export const AreaRangeInput = z.object({ label: z.string().min(1).max(64), min: z.number().min(0), max: z.number().min(0) })

export const EvaluationCreate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    predictions: PredictionSelector,
    ground_truth: z
      .object({
        source: z.enum(GROUND_TRUTH_SOURCES).default('import').meta({
          description:
            '`import`: an imported COCO file. `reviews`: accepted predictions are the ground truth, on images a person reviewed. `both`: the union.',
        }),
        import_id: Uuid.optional().meta({ description: "Default: the project's latest complete import" }),
      })
      .default({ source: 'import' }),
    iou_type: z.enum(IOU_TYPES).default('bbox'),
    classes: z.array(z.string().min(1).max(256)).min(1).max(1000).optional().meta({ description: 'Default: every class of the ground truth' }),
    images: z.enum(EVALUATION_IMAGE_SCOPES).default('predicted').meta({
      description:
        '`predicted`: ground-truth images the predictions were made for (an image the model never ran on is not a miss). `ground_truth`: every ground-truth image, as pycocotools counts them.',
    }),
    iou_thresholds: z.array(unit).min(1).max(100).optional().meta({ description: 'Default .50:.05:.95' }),
    max_dets: z.array(z.number().int().min(1).max(100_000)).min(1).max(10).optional().meta({ description: 'Default [1, 10, 100]; [20] for keypoints' }),
    area_ranges: z.array(AreaRangeInput).min(1).max(10).optional(),
    use_cats: z.boolean().optional(),
    match_iou_threshold: unit.optional().meta({ description: 'IoU at which objects are TP, FP or FN and the confusion matrix is built; default 0.5' }),
    keypoint_sigmas: z.array(z.number().positive()).min(1).max(1000).optional().meta({ description: "Default COCO's 17 person sigmas" }),
    background: z.boolean().default(false).meta({ description: 'Run in the background (202) even if it is small enough to answer at once' }),
  })
  .meta({
    id: 'EvaluationCreate',
    example: { predictions: { model_name: 'yolo_v8', model_version: '1.0.0' }, ground_truth: { source: 'import' }, iou_type: 'bbox' },
  })
export type EvaluationCreate = z.infer<typeof EvaluationCreate>

const PerClass = z.object({
  class_name: z.string(),
  ap: z.number(),
  ap50: z.number(),
  ap75: z.number(),
  ar100: z.number(),
  gt_count: z.number().int(),
  dt_count: z.number().int(),
})

export const EvaluationResult = z
  .object({
    iou_type: z.enum(IOU_TYPES),
    params: z.object({
      iou_thresholds: z.array(z.number()),
      recall_thresholds: z.array(z.number()),
      max_dets: z.array(z.number().int()),
      area_ranges: z.array(AreaRangeInput),
      use_cats: z.boolean(),
      match_iou_threshold: z.number(),
    }),
    stats: z.array(z.number()),
    stat_names: z.array(z.string()),
    per_class: z.array(PerClass),
    pr_curves: z.object({
      recall_thresholds: z.array(z.number()),
      area: z.string(),
      max_dets: z.number().int(),
      curves: z.array(
        z.object({ class_name: z.string(), iou_threshold: z.number(), precision: z.array(z.number()).nullable(), scores: z.array(z.number()).nullable() }),
      ),
    }),
    confusion_matrix: z.object({
      labels: z.array(z.string()),
      iou_threshold: z.number(),
      min_score: z.number(),
      counts: z.array(z.array(z.number().int())).meta({ description: 'Rows: true class; columns: predicted class; `background` last in both' }),
    }),
    counts: z.object({ images: z.number().int(), ground_truth: z.number().int(), detections: z.number().int() }),
  })
  .meta({ id: 'EvaluationResult', description: 'See docs/evaluation.md#output' })

export const EvaluationCounts = z
  .object({
    images: z.number().int(),
    ground_truth: z.number().int(),
    detections: z.number().int(),
    tp: z.number().int(),
    fp: z.number().int(),
    fn: z.number().int(),
    known_false_positives: z.number().int().meta({ description: 'False positives a reviewer rejected' }),
    dropped_detections: z.number().int().meta({ description: 'Predictions of classes outside the evaluation, or geometry the IoU type cannot read' }),
  })
  .meta({ id: 'EvaluationCounts' })
export type EvaluationCounts = z.infer<typeof EvaluationCounts>

export const Evaluation = z
  .object({
    id: Uuid,
    project_id: Uuid,
    name: z.string().nullable(),
    status: z.enum(EVALUATION_STATUSES),
    stage: z.string().nullable(),
    error_message: z.string().nullable(),
    runner: z.enum(EVALUATION_RUNNERS),
    predictions: z.object({ model_name: z.string().nullable(), model_version: z.string().nullable(), group_id: z.string().nullable() }),
    ground_truth: z.object({ source: z.enum(GROUND_TRUTH_SOURCES), import_id: Uuid.nullable() }),
    iou_type: z.enum(IOU_TYPES),
    classes: z.array(z.string()).nullable(),
    stats: z.array(z.number()).nullable(),
    stat_names: z.array(z.string()),
    counts: EvaluationCounts.nullable(),
    created_by_id: Uuid.nullable(),
    created_at: Timestamp,
    started_at: Timestamp.nullable(),
    completed_at: Timestamp.nullable(),
    result: EvaluationResult.optional().meta({ description: 'Once completed, on the create and get responses' }),
  })
  .meta({ id: 'Evaluation' })
export type Evaluation = z.infer<typeof Evaluation>

export const EvaluationList = z.object({ evaluations: z.array(Evaluation), total: z.number().int() }).meta({ id: 'EvaluationList' })

export const EvaluationObject = z
  .object({
    kind: z.enum(['detection', 'ground_truth']),
    id: Uuid.meta({ description: 'The annotation id (predictions and accepted predictions) or the ground-truth object id' }),
    image_id: Uuid,
    class_name: z.string(),
    score: z.number().nullable(),
    status: z.enum(['tp', 'fp', 'fn', 'ignored']),
    matched_id: Uuid.nullable(),
    iou: z.number().nullable(),
    max_iou: z.number().nullable(),
    matched_score: z.number().nullable().meta({ description: 'Ground truth: the score of the detection that matched it, to judge it at a confidence threshold' }),
    cell: z.tuple([z.string(), z.string()]).nullable().meta({ description: 'Confusion-matrix cell: [true class, predicted class]' }),
    paired_id: Uuid.nullable().meta({ description: 'The object it is counted against in the confusion matrix (a class confusion pairs a detection with ground truth of another class)' }),
    source: z.enum(['prediction', 'import', 'review']).meta({ description: 'Where the object comes from: a prediction judged, an imported object, or an accepted prediction' }),
    known_false_positive: z.boolean().meta({ description: 'A false positive a reviewer rejected' }),
  })
  .meta({ id: 'EvaluationObject' })
export type EvaluationObject = z.infer<typeof EvaluationObject>

export const EvaluationImageObjects = z
  .object({ evaluation_id: Uuid, image_id: Uuid, objects: z.array(EvaluationObject) })
  .meta({ id: 'EvaluationImageObjects' })

export const EVALUATION_IMAGE_SORTS = ['errors', 'fp', 'fn', 'tp', 'name'] as const

export const EvaluationImage = z
  .object({
    image_id: Uuid,
    filename: z.string(),
    tp: z.number().int(),
    fp: z.number().int(),
    fn: z.number().int(),
    ignored: z.number().int(),
  })
  .meta({ id: 'EvaluationImage' })

export const EvaluationImageList = z
  .object({ images: z.array(EvaluationImage), total: z.number().int(), skip: z.number().int(), limit: z.number().int() })
  .meta({ id: 'EvaluationImageList' })

export const EvaluationImageQuery = z.object({
  sort: z.enum(EVALUATION_IMAGE_SORTS).default('errors'),
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const EvaluationCellQuery = z.object({
  true_class: z.string().min(1).max(256).meta({ description: 'Row of the confusion matrix; `background` for false alarms' }),
  predicted_class: z.string().min(1).max(256).meta({ description: 'Column; `background` for misses' }),
  page: z.coerce.number().int().min(0).default(0),
})

export const EvaluationCell = z
  .object({
    true_class: z.string(),
    predicted_class: z.string(),
    count: z.number().int(),
    page: z.number().int(),
    pages: z.number().int(),
    objects: z.array(EvaluationObject),
  })
  .meta({ id: 'EvaluationCell' })

export const MatchIndex = z
  .object({
    evaluation_id: Uuid,
    class_names: z.array(z.string()),
    gt_count: z.array(z.number().int()).meta({ description: 'Per class: ground truth that counts (TP or FN)' }),
    start: z.array(z.number().int()).meta({ description: "Class k's detections are scores[start[k] .. start[k + 1]), highest first" }),
    scores: z.array(z.number()),
    tp: z.string().meta({ description: "One character per detection of `scores`: '1' a true positive, '0' a false positive" }),
  })
  .meta({ id: 'MatchIndex', description: 'Everything the live threshold needs: see docs/evaluation.md#live-threshold' })
export type MatchIndex = z.infer<typeof MatchIndex>

export const EvaluationObjectQuery = z.object({
  status: z.enum(['tp', 'fp', 'fn', 'ignored']).optional().meta({ description: 'The outcome at `min_score`, when given' }),
  kind: z.enum(['detection', 'ground_truth']).optional(),
  class_name: z.string().min(1).max(256).optional(),
  image_id: Uuid.optional(),
  min_score: z.coerce.number().min(0).max(1).optional().meta({
    description:
      'A confidence threshold: detections below it are left out, and ground truth they matched becomes a miss (`fn`). Matching is greedy by score, so the rest stand as computed.',
  }),
  known_false_positive: z.enum(['true', 'false']).optional(),
  cursor: z.coerce.number().int().min(0).default(0).meta({ description: 'The `next_cursor` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const EvaluationObjectPage = z
  .object({
    objects: z.array(EvaluationObject),
    next_cursor: z.number().int().nullable().meta({ description: 'Null when every object was read; a page may hold fewer than `limit` objects and still have more after it' }),
    scanned: z.number().int().meta({ description: 'Objects read to fill this page' }),
  })
  .meta({ id: 'EvaluationObjectPage' })

export const EvaluationCompareQuery = z.object({ a: Uuid, b: Uuid })

const StatPair = z.object({ name: z.string(), a: z.number(), b: z.number(), delta: z.number().nullable() })

export const EvaluationComparison = z
  .object({
    a: Evaluation,
    b: Evaluation,
    stats: z.array(StatPair),
    per_class: z.array(
      z.object({
        class_name: z.string(),
        a: PerClass.omit({ class_name: true }).nullable(),
        b: PerClass.omit({ class_name: true }).nullable(),
        delta_ap: z.number().nullable(),
      }),
    ),
    warnings: z.array(z.string()).meta({ description: 'Why the two may not be comparable: other ground truth, IoU type or classes' }),
  })
  .meta({ id: 'EvaluationComparison' })
