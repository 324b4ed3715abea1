import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import { REVIEW_STATES } from '../schemas/analyses'
import { ARTIFACT_STATUSES, ARTIFACT_TYPES } from '../schemas/artifacts'
import { EVALUATION_RUNNERS, EVALUATION_STATUSES, GROUND_TRUTH_SOURCES, IOU_TYPES } from '../schemas/evaluations'
import { GROUND_TRUTH_IMPORT_STATUSES, IMAGE_REVIEW_STATES } from '../schemas/ground-truth'
import { ACTOR_TYPES } from '../schemas/audit'
import { TOKEN_KINDS } from '../schemas/auth'
import { DELIVERY_OUTCOMES } from '../schemas/deliveries'
import { IMAGE_STATUSES } from '../schemas/images'
import { SECRET_PURPOSES } from '../schemas/pipelines'
import { DATASET_FORMATS, DATASET_REVIEWS, DATASET_STATUSES } from '../schemas/datasets'
import { JOB_KINDS } from '../schemas/jobs'
import { ROLES } from '../schemas/projects'
import { RUN_STATUSES } from '../schemas/runs'

/** Timestamps are ISO-8601 UTC strings: sortable, readable in `wrangler d1 execute`, and what the API returns. */
const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
const createdAt = () => text('created_at').notNull().default(now)

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name'),
  createdAt: createdAt(),
})

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: TOKEN_KINDS }).notNull().default('api'),
    name: text('name'),
    tokenHash: text('token_hash').notNull().unique(),
    tokenPrefix: text('token_prefix').notNull(),
    createdAt: createdAt(),
    expiresAt: text('expires_at'),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('idx_api_tokens_user_id').on(t.userId)],
)

export const projects = sqliteTable('projects', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  ownerId: text('owner_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  createdAt: createdAt(),
  updatedAt: text('updated_at'),
  deletedAt: text('deleted_at'),
})

export const projectMembers = sqliteTable(
  'project_members',
  {
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('idx_project_members_user_id').on(t.userId)],
)

export const images = sqliteTable(
  'images',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width'),
    height: integer('height'),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    storageKey: text('storage_key').notNull(),
    status: text('status', { enum: IMAGE_STATUSES }).notNull().default('ready'),
    uploadedById: text('uploaded_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    deletedAt: text('deleted_at'),
  },
  (t) => [index('idx_images_project_id').on(t.projectId, t.createdAt)],
)

export const analyses = sqliteTable(
  'analyses',
  {
    id: text('id').primaryKey(),
    imageId: text('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    errorMessage: text('error_message'),
    parameters: text('parameters', { mode: 'json' }).$type<Record<string, unknown>>(),
    provenance: text('provenance', { mode: 'json' }).$type<Record<string, unknown>>(),
    requestedById: text('requested_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** The registered pipeline that created or claimed the analysis; null for guide-era pipelines. */
    pipelineId: text('pipeline_id').references(() => pipelines.id, { onDelete: 'set null' }),
    externalJobId: text('external_job_id').unique(),
    priority: integer('priority').notNull().default(0),
    groupId: text('group_id'),
    /** The registered version that made it, when its model_name and model_version name one. */
    modelVersionId: text('model_version_id').references((): AnySQLiteColumn => modelVersions.id, { onDelete: 'set null' }),
    /** The batch_inference job that created it; its group_id is then the job id. */
    jobId: text('job_id').references((): AnySQLiteColumn => jobs.id, { onDelete: 'set null' }),
    progress: real('progress').notNull().default(0),
    stage: text('stage'),
    annotationCount: integer('annotation_count').notNull().default(0),
    /** Bumped by the analysis's Durable Object on every write-through; D1 never goes backwards. */
    version: integer('version').notNull().default(0),
    createdAt: createdAt(),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
    updatedAt: text('updated_at'),
    deletedAt: text('deleted_at'),
  },
  (t) => [
    index('idx_ml_analyses_image_id').on(t.imageId),
    index('idx_ml_analyses_status').on(t.status),
    index('idx_ml_analyses_model_name').on(t.modelName),
    index('idx_ml_analyses_project_id').on(t.projectId),
    index('idx_ml_analyses_group_id').on(t.groupId),
    // The pending limits count queued + processing per requesting user and per pipeline.
    index('idx_analyses_requester_status').on(t.requestedById, t.status),
    index('idx_analyses_pipeline_status').on(t.pipelineId, t.status),
    index('idx_analyses_model_version_id').on(t.modelVersionId),
    // One analysis per image per batch: a pipeline's retried result finds the analysis it made.
    uniqueIndex('uq_analyses_job_image').on(t.jobId, t.imageId),
    // Project search (docs/search.md): each sort's key after the project, live rows only.
    index('idx_analyses_project_created').on(t.projectId, t.createdAt, t.id).where(sql`deleted_at IS NULL`),
    index('idx_analyses_project_status_created').on(t.projectId, t.status, t.createdAt).where(sql`deleted_at IS NULL`),
    index('idx_analyses_project_model_created').on(t.projectId, t.modelName, t.modelVersion, t.createdAt).where(sql`deleted_at IS NULL`),
    index('idx_analyses_project_completed').on(t.projectId, t.completedAt, t.id).where(sql`deleted_at IS NULL`),
    index('idx_analyses_project_annotation_count').on(t.projectId, t.annotationCount, t.id).where(sql`deleted_at IS NULL`),
    index('idx_analyses_project_id_live').on(t.projectId, t.id).where(sql`deleted_at IS NULL`),
  ],
)

export const annotations = sqliteTable(
  'annotations',
  {
    id: text('id').primaryKey(),
    analysisId: text('analysis_id').notNull().references(() => analyses.id, { onDelete: 'cascade' }),
    annotationType: text('annotation_type').notNull(),
    className: text('class_name'),
    confidence: real('confidence'),
    data: text('data', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    storagePath: text('storage_path'),
    ordering: integer('ordering'),
    /** SHA-256 of the canonical annotation; makes bulk re-posts idempotent. */
    contentHash: text('content_hash').notNull(),
    upsertKey: text('upsert_key'),
    reviewState: text('review_state', { enum: REVIEW_STATES }).notNull().default('unreviewed'),
    reviewNote: text('review_note'),
    reviewedById: text('reviewed_by_id').references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: text('reviewed_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at'),
  },
  (t) => [
    index('idx_ml_annotations_analysis_id').on(t.analysisId),
    index('idx_ml_annotations_annotation_type').on(t.analysisId, t.annotationType),
    // Search by class within an analysis, in row order (docs/search.md#annotations).
    index('idx_annotations_analysis_class').on(t.analysisId, t.className),
    uniqueIndex('uq_annotations_content_hash').on(t.analysisId, t.contentHash),
    uniqueIndex('uq_annotations_upsert_key').on(t.analysisId, t.upsertKey),
    // Reviewed predictions are few among many; ground truth from reviews reads only them.
    index('idx_annotations_reviewed').on(t.analysisId).where(sql`review_state <> 'unreviewed'`),
  ],
)

export const artifacts = sqliteTable(
  'artifacts',
  {
    id: text('id').primaryKey(),
    analysisId: text('analysis_id').notNull().references(() => analyses.id, { onDelete: 'cascade' }),
    artifactType: text('artifact_type').notNull(),
    filename: text('filename').notNull(),
    storagePath: text('storage_path').notNull().unique(),
    contentType: text('content_type').notNull(),
    status: text('status', { enum: ARTIFACT_STATUSES }).notNull().default('pending'),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    createdAt: createdAt(),
    uploadedAt: text('uploaded_at'),
  },
  (t) => [index('idx_artifacts_analysis_id').on(t.analysisId)],
)

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull().default(now),
    actorType: text('actor_type', { enum: ACTOR_TYPES }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    projectId: text('project_id'),
    /** The pipeline the row concerns, so a project's owners see what happens to the pipelines it granted. */
    pipelineId: text('pipeline_id'),
    requestId: text('request_id'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [
    index('idx_audit_log_target').on(t.targetType, t.targetId),
    index('idx_audit_log_action').on(t.action, t.at),
    index('idx_audit_log_project').on(t.projectId, t.id),
    index('idx_audit_log_pipeline').on(t.pipelineId, t.id),
    index('idx_audit_log_at').on(t.at),
  ],
)

/** A registered pipeline: a principal of its own, with keys, secrets and the projects that granted it. */
export const pipelines = sqliteTable('pipelines', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  /** Exact model names or `*`/`?` patterns (SQLite GLOB semantics). */
  modelNames: text('model_names', { mode: 'json' }).notNull().$type<string[]>(),
  jobKinds: text('job_kinds', { mode: 'json' }).notNull().$type<string[]>(),
  webhookUrl: text('webhook_url'),
  webhookEvents: text('webhook_events', { mode: 'json' }).notNull().$type<string[]>(),
  webhookDisabledAt: text('webhook_disabled_at'),
  createdById: text('created_by_id').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: text('updated_at'),
  disabledAt: text('disabled_at'),
  deletedAt: text('deleted_at'),
})

export const pipelineKeys = sqliteTable(
  'pipeline_keys',
  {
    id: text('id').primaryKey(),
    pipelineId: text('pipeline_id').notNull().references(() => pipelines.id, { onDelete: 'cascade' }),
    name: text('name'),
    /** SHA-256 of the key; the key itself is shown once. */
    keyHash: text('key_hash').notNull().unique(),
    keyPrefix: text('key_prefix').notNull(),
    createdById: text('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: text('expires_at'),
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('idx_pipeline_keys_pipeline').on(t.pipelineId)],
)

/**
 * A pipeline's HMAC secrets. The row holds a random salt, never the secret: the secret is derived
 * from the salt and the Worker secret PIPELINE_SECRETS_KEY (docs/security.md), so D1 alone reveals nothing.
 */
export const pipelineSecrets = sqliteTable(
  'pipeline_secrets',
  {
    id: text('id').primaryKey(),
    pipelineId: text('pipeline_id').notNull().references(() => pipelines.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: SECRET_PURPOSES }).notNull(),
    salt: text('salt').notNull(),
    /** Which PIPELINE_SECRETS_KEY derived it (a fingerprint), so the root key can rotate. */
    rootKeyId: text('root_key_id').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('idx_pipeline_secrets_pipeline').on(t.pipelineId, t.purpose)],
)

/** Project owners grant pipelines access to their project. */
export const pipelineGrants = sqliteTable(
  'pipeline_grants',
  {
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    pipelineId: text('pipeline_id').notNull().references(() => pipelines.id, { onDelete: 'cascade' }),
    grantedById: text('granted_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.pipelineId] }), index('idx_pipeline_grants_pipeline').on(t.pipelineId)],
)

/**
 * One row per delivery attempt of a webhook (docs/dispatch.md). `webhook_id` is the Standard
 * Webhooks message id, the same on every retry; a redelivery gets a new one.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id').notNull(),
    runKind: text('run_kind').notNull(),
    runId: text('run_id').notNull(),
    event: text('event').notNull(),
    pipelineId: text('pipeline_id').references(() => pipelines.id, { onDelete: 'set null' }),
    endpointUrl: text('endpoint_url').notNull(),
    attempt: integer('attempt').notNull(),
    outcome: text('outcome', { enum: DELIVERY_OUTCOMES }).notNull(),
    responseStatus: integer('response_status'),
    latencyMs: integer('latency_ms'),
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
    nextAttemptAt: text('next_attempt_at'),
    attemptedAt: createdAt(),
  },
  (t) => [index('idx_deliveries_run').on(t.runKind, t.runId, t.attemptedAt), index('idx_deliveries_pipeline').on(t.pipelineId, t.attemptedAt)],
)

/** Per-project settings; a project without a row has the defaults. */
export const projectSettings = sqliteTable('project_settings', {
  projectId: text('project_id').primaryKey().references(() => projects.id, { onDelete: 'cascade' }),
  jobConcurrency: integer('job_concurrency').notNull().default(1),
  updatedAt: text('updated_at'),
  updatedById: text('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
})

export const datasetSnapshots = sqliteTable(
  'dataset_snapshots',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    /** The job whose creation froze it; no foreign key, jobs point at snapshots. */
    jobId: text('job_id'),
    format: text('format', { enum: DATASET_FORMATS }).notNull(),
    modelName: text('model_name'),
    review: text('review', { enum: DATASET_REVIEWS }).notNull(),
    status: text('status', { enum: DATASET_STATUSES }).notNull().default('pending'),
    storageKey: text('storage_key').notNull(),
    sha256: text('sha256'),
    bytes: integer('bytes'),
    imageCount: integer('image_count'),
    sources: text('sources', { mode: 'json' }).$type<{ model_version_id: string | null; model_name: string; model_version: string; analyses: number }[]>(),
    errorMessage: text('error_message'),
    createdAt: createdAt(),
    frozenAt: text('frozen_at'),
  },
  (t) => [index('idx_dataset_snapshots_project').on(t.projectId, t.createdAt)],
)

export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: JOB_KINDS }).notNull(),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version'),
    modelVersionId: text('model_version_id').references((): AnySQLiteColumn => modelVersions.id, { onDelete: 'set null' }),
    parameters: text('parameters', { mode: 'json' }).$type<Record<string, unknown>>(),
    inputs: text('inputs', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** An explicit image list of a batch, kept out of the record the job's object holds and sends. */
    targetImageIds: text('target_image_ids', { mode: 'json' }).$type<string[]>(),
    priority: integer('priority').notNull().default(0),
    requestedById: text('requested_by_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    errorMessage: text('error_message'),
    progress: real('progress').notNull().default(0),
    stage: text('stage'),
    /** Bumped by the job's Durable Object on every write-through; D1 never goes backwards. */
    version: integer('version').notNull().default(0),
    createdAt: createdAt(),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
    updatedAt: text('updated_at'),
    /** Set once, by the one admission statement, when the job gets a slot in its project. */
    runnableAt: text('runnable_at'),
    datasetSnapshotId: text('dataset_snapshot_id').references(() => datasetSnapshots.id, { onDelete: 'set null' }),
    batchTotal: integer('batch_total'),
  },
  (t) => [
    index('idx_jobs_project_created').on(t.projectId, t.createdAt),
    index('idx_jobs_project_queue').on(t.projectId, t.status, t.runnableAt),
    index('idx_jobs_model_version_id').on(t.modelVersionId),
  ],
)

export const jobMetrics = sqliteTable(
  'job_metrics',
  {
    jobId: text('job_id').notNull().references(() => jobs.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    step: integer('step').notNull(),
    value: real('value').notNull(),
    epoch: integer('epoch'),
    at: text('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.name, t.step] })],
)

export const jobArtifacts = sqliteTable(
  'job_artifacts',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id').notNull().references(() => jobs.id, { onDelete: 'cascade' }),
    artifactType: text('artifact_type', { enum: ARTIFACT_TYPES }).notNull(),
    filename: text('filename').notNull(),
    storagePath: text('storage_path').notNull().unique(),
    contentType: text('content_type').notNull(),
    status: text('status', { enum: ARTIFACT_STATUSES }).notNull().default('pending'),
    bytes: integer('bytes'),
    sha256: text('sha256'),
    createdAt: createdAt(),
    uploadedAt: text('uploaded_at'),
  },
  (t) => [index('idx_job_artifacts_job_id').on(t.jobId)],
)

export const modelVersions = sqliteTable(
  'model_versions',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    version: text('version').notNull(),
    description: text('description'),
    jobId: text('job_id').references((): AnySQLiteColumn => jobs.id, { onDelete: 'set null' }),
    datasetSnapshotId: text('dataset_snapshot_id').references(() => datasetSnapshots.id, { onDelete: 'set null' }),
    datasetSha256: text('dataset_sha256'),
    metrics: text('metrics', { mode: 'json' }).notNull().$type<Record<string, number>>(),
    artifacts: text('artifacts', { mode: 'json' }).notNull().$type<Record<string, unknown>[]>(),
    provenance: text('provenance', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    createdById: text('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uq_model_versions_name_version').on(t.projectId, t.name, t.version), index('idx_model_versions_job_id').on(t.jobId)],
)

/**
 * Named pointers into a model's versions (`production`, `staging`): promoting a version moves the
 * alias to it. One row per project, model and alias, so an alias names exactly one version.
 */
export const modelAliases = sqliteTable(
  'model_aliases',
  {
    projectId: text('project_id').notNull().references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    alias: text('alias').notNull(),
    modelVersionId: text('model_version_id').notNull().references(() => modelVersions.id, { onDelete: 'cascade' }),
    updatedAt: text('updated_at').notNull(),
    updatedById: text('updated_by_id').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.name, t.alias] }), index('idx_model_aliases_version').on(t.modelVersionId)],
)

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
