/** People, projects, images, analyses and what they hold, and the audit trail. */
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import { REVIEW_STATES } from '../../schemas/analyses'
import { ACTOR_TYPES } from '../../schemas/audit'
import { TOKEN_KINDS } from '../../schemas/auth'
import { IMAGE_STATUSES } from '../../schemas/images'
import { ROLES } from '../../schemas/projects'
import { RUN_STATUSES } from '../../schemas/runs'
import { controlColumns, createdAt, leaseColumns, now, storedFileColumns } from './columns'
import { pipelines } from './pipelines'
import { jobs, modelVersions } from './jobs'

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
    ...leaseColumns(),
    ...controlColumns(),
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
    ...storedFileColumns(),
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

/**
 * Requests refused with 429, per UTC day and limit scope: what `loupe_rate_limited_total` reads.
 * Isolates add their tallies a few at a time (src/limits/refusal-tally.ts), so a flood of refusals
 * costs a write every few seconds, not one per refusal.
 */
export const rateLimitRefusals = sqliteTable(
  'rate_limit_refusals',
  {
    day: text('day').notNull(),
    scope: text('scope').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.scope] })],
)
