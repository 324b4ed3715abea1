/** Registered pipelines: their keys, secrets, grants, and the webhook deliveries made to them. */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { DELIVERY_OUTCOMES } from '../../schemas/deliveries'
import { SECRET_PURPOSES } from '../../schemas/pipelines'
import { createdAt } from './columns'
import { users, projects } from './core'

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
