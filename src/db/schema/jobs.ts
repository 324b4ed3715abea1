/** Project-level jobs: settings, dataset snapshots, metrics, artifacts, model versions and aliases. */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core'
import { ARTIFACT_TYPES } from '../../schemas/artifacts'
import { DATASET_FORMATS, DATASET_REVIEWS, DATASET_STATUSES } from '../../schemas/datasets'
import { JOB_KINDS } from '../../schemas/jobs'
import { RUN_STATUSES } from '../../schemas/runs'
import { controlColumns, createdAt, leaseColumns, storedFileColumns } from './columns'
import { users, projects } from './core'
import { pipelines } from './pipelines'

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
    /** The pipeline the job was handed to; its key may then call the job's callbacks. */
    pipelineId: text('pipeline_id').references(() => pipelines.id, { onDelete: 'set null' }),
    ...leaseColumns(),
    ...controlColumns(),
  },
  (t) => [
    index('idx_jobs_project_created').on(t.projectId, t.createdAt),
    index('idx_jobs_project_queue').on(t.projectId, t.status, t.runnableAt),
    index('idx_jobs_model_version_id').on(t.modelVersionId),
    index('idx_jobs_pipeline').on(t.pipelineId),
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
    ...storedFileColumns(),
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
