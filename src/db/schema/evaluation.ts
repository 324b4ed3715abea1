/** Ground truth, image reviews, evaluations and undoable bulk reviews. */
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { REVIEW_STATES } from '../../schemas/analyses'
import { EVALUATION_RUNNERS, EVALUATION_STATUSES, GROUND_TRUTH_SOURCES, IOU_TYPES } from '../../schemas/evaluations'
import { GROUND_TRUTH_IMPORT_STATUSES, IMAGE_REVIEW_STATES } from '../../schemas/ground-truth'
import { createdAt } from './columns'
import { users, projects, images, annotations } from './core'

/** One COCO file imported as ground truth: its provenance and what matched. See docs/evaluation.md#ground-truth. */
export const groundTruthImports = sqliteTable(
  'ground_truth_imports',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name'),
    status: text('status', { enum: GROUND_TRUTH_IMPORT_STATUSES }).notNull().default('importing'),
    errorMessage: text('error_message'),
    createdById: text('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    completedAt: text('completed_at'),
    fileSha256: text('file_sha256'),
    fileBytes: integer('file_bytes').notNull().default(0),
    imageCount: integer('image_count').notNull().default(0),
    matchedImageCount: integer('matched_image_count').notNull().default(0),
    objectCount: integer('object_count').notNull().default(0),
    skippedObjectCount: integer('skipped_object_count').notNull().default(0),
    categories: text('categories', { mode: 'json' }).$type<{ id: number; name: string; supercategory?: string | null; keypoints?: string[]; skeleton?: [number, number][] }[]>(),
    unmatchedFileNames: text('unmatched_file_names', { mode: 'json' }).$type<string[]>(),
  },
  (t) => [index('idx_ground_truth_imports_project').on(t.projectId, t.createdAt)],
)

/**
 * Ground-truth objects, kept apart from model output. While an import runs, `image_id` and
 * `class_name` are unresolved: a COCO file may list its images and categories after its annotations.
 */
export const groundTruth = sqliteTable(
  'ground_truth',
  {
    id: text('id').primaryKey(),
    importId: text('import_id').notNull().references(() => groundTruthImports.id, { onDelete: 'cascade' }),
    imageId: text('image_id').references(() => images.id, { onDelete: 'cascade' }),
    cocoImageId: text('coco_image_id').notNull(),
    cocoId: text('coco_id'),
    categoryId: integer('category_id').notNull(),
    className: text('class_name'),
    bboxX: real('bbox_x'),
    bboxY: real('bbox_y'),
    bboxW: real('bbox_w'),
    bboxH: real('bbox_h'),
    area: real('area'),
    iscrowd: integer('iscrowd').notNull().default(0),
    segmentation: text('segmentation'),
    keypoints: text('keypoints'),
    numKeypoints: integer('num_keypoints'),
  },
  // (import, COCO image) resolves late-listed images and pages an import in one index order.
  (t) => [index('idx_ground_truth_import').on(t.importId, t.cocoImageId), index('idx_ground_truth_image').on(t.imageId, t.importId)],
)

/** The project images an import covers, with the size the file gives them: an image listed with no objects is ground truth too. */
export const groundTruthImages = sqliteTable(
  'ground_truth_images',
  {
    importId: text('import_id').notNull().references(() => groundTruthImports.id, { onDelete: 'cascade' }),
    imageId: text('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    cocoImageId: text('coco_image_id').notNull(),
    width: integer('width'),
    height: integer('height'),
  },
  (t) => [primaryKey({ columns: [t.importId, t.imageId] }), index('idx_ground_truth_images_image').on(t.imageId)],
)

/** A person's word on a whole image: reviewed and empty, or reviewed and complete. */
export const imageReviews = sqliteTable(
  'image_reviews',
  {
    imageId: text('image_id').primaryKey().references(() => images.id, { onDelete: 'cascade' }),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    state: text('state', { enum: IMAGE_REVIEW_STATES }).notNull(),
    note: text('note'),
    reviewedById: text('reviewed_by_id').references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: text('reviewed_at').notNull(),
  },
  (t) => [index('idx_image_reviews_project').on(t.projectId, t.state)],
)

/** One evaluation's summary; the full result and per-object matches are in R2 under `evaluations/{id}/`. */
export const evaluations = sqliteTable(
  'evaluations',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name'),
    status: text('status', { enum: EVALUATION_STATUSES }).notNull(),
    stage: text('stage'),
    errorMessage: text('error_message'),
    runner: text('runner', { enum: EVALUATION_RUNNERS }).notNull(),
    modelName: text('model_name'),
    modelVersion: text('model_version'),
    groupId: text('group_id'),
    groundTruthSource: text('ground_truth_source', { enum: GROUND_TRUTH_SOURCES }).notNull(),
    groundTruthImportId: text('ground_truth_import_id').references(() => groundTruthImports.id, { onDelete: 'set null' }),
    iouType: text('iou_type', { enum: IOU_TYPES }).notNull(),
    /** The request as validated: what `run` needs to compute it again. */
    request: text('request', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    stats: text('stats', { mode: 'json' }).$type<number[]>(),
    counts: text('counts', { mode: 'json' }).$type<Record<string, number>>(),
    createdById: text('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
  },
  (t) => [index('idx_evaluations_project').on(t.projectId, t.createdAt)],
)

/** A bulk review, kept so that it can be undone. */
export const reviewBatches = sqliteTable(
  'review_batches',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    filter: text('filter', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    count: integer('count').notNull().default(0),
    createdAt: text('created_at').notNull(),
    undoneAt: text('undone_at'),
  },
  (t) => [index('idx_review_batches_project').on(t.projectId, t.createdAt)],
)

/** What each prediction of a bulk review was before it, to put it back. */
export const reviewBatchItems = sqliteTable(
  'review_batch_items',
  {
    batchId: text('batch_id').notNull().references(() => reviewBatches.id, { onDelete: 'cascade' }),
    annotationId: text('annotation_id').notNull().references(() => annotations.id, { onDelete: 'cascade' }),
    analysisId: text('analysis_id').notNull(),
    prevState: text('prev_state', { enum: REVIEW_STATES }).notNull(),
    prevNote: text('prev_note'),
    prevById: text('prev_by_id'),
    prevAt: text('prev_at'),
  },
  // Deleting annotations (a replace-mode bulk post) looks their batch items up by annotation.
  (t) => [primaryKey({ columns: [t.batchId, t.annotationId] }), index('idx_review_batch_items_annotation').on(t.annotationId)],
)
