import { and, desc, eq, exists, isNull, or, sql } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import type { Database } from '../../db/client'
import { pipelineGrants, pipelineKeys, pipelineSecrets, pipelines, projectMembers } from '../../db/schema'
import { forbidden, notFound } from '../../errors'
import type { z } from 'zod'
import type { Pipeline, PipelineCreate, PipelineUpdate } from '../../schemas/pipelines'
import { userAudit } from '../audit'

type Row = typeof pipelines.$inferSelect

export const toPipeline = (r: Row, manageable: boolean): Pipeline => ({
  id: r.id,
  name: r.name,
  description: r.description,
  model_names: r.modelNames,
  job_kinds: r.jobKinds,
  webhook_url: r.webhookUrl,
  webhook_events: r.webhookEvents,
  webhook_disabled_at: r.webhookDisabledAt,
  created_by_id: r.createdById,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
  disabled_at: r.disabledAt,
  manageable,
})

const nowSql = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`

/** Pipelines a person can see: those they registered, and those granted to a project they belong to. */
const visibleTo = (userId: string) =>
  or(
    eq(pipelines.createdById, userId),
    exists(
      sql`(SELECT 1 FROM ${pipelineGrants} JOIN ${projectMembers} ON ${projectMembers.projectId} = ${pipelineGrants.projectId}
           WHERE ${pipelineGrants.pipelineId} = ${pipelines.id} AND ${projectMembers.userId} = ${userId})`,
    ),
  )

export async function registerPipeline(db: Database, user: CurrentUser, input: z.infer<typeof PipelineCreate>, requestId: string) {
  const id = crypto.randomUUID()
  await db.batch([
    db.insert(pipelines).values({
      id,
      name: input.name,
      description: input.description ?? null,
      modelNames: [...new Set(input.model_names)],
      jobKinds: [...new Set(input.job_kinds)],
      webhookUrl: input.webhook_url ?? null,
      webhookEvents: [...new Set(input.webhook_events ?? [])],
      createdById: user.id,
    }),
    userAudit(db, user.id, { action: 'pipeline.created', targetType: 'pipeline', targetId: id, pipelineId: id, requestId }),
  ])
  return toPipeline((await db.select().from(pipelines).where(eq(pipelines.id, id)).get())!, true)
}

export async function listPipelines(db: Database, user: CurrentUser) {
  const rows = await db
    .select()
    .from(pipelines)
    .where(and(isNull(pipelines.deletedAt), visibleTo(user.id)))
    .orderBy(desc(pipelines.createdAt))
  return { pipelines: rows.map((r) => toPipeline(r, r.createdById === user.id)) }
}

/** The pipeline if the person can see it (404 otherwise); `manage` also requires having registered it (403). */
export async function pipelineFor(db: Database, user: CurrentUser, pipelineId: string, action: 'read' | 'manage') {
  const row = await db
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.id, pipelineId), isNull(pipelines.deletedAt), visibleTo(user.id)))
    .get()
  if (!row) throw notFound('Pipeline')
  const manageable = row.createdById === user.id
  if (action === 'manage' && !manageable) throw forbidden('Only the person who registered this pipeline can change it')
  return { row, pipeline: toPipeline(row, manageable) }
}

export async function updatePipeline(db: Database, user: CurrentUser, pipelineId: string, input: z.infer<typeof PipelineUpdate>, requestId: string) {
  const { row } = await pipelineFor(db, user, pipelineId, 'manage')
  const webhookChanged = input.webhook_url !== undefined && input.webhook_url !== row.webhookUrl
  await db.batch([
    db
      .update(pipelines)
      .set({
        name: input.name ?? row.name,
        description: input.description === undefined ? row.description : input.description,
        modelNames: input.model_names ? [...new Set(input.model_names)] : row.modelNames,
        jobKinds: input.job_kinds ? [...new Set(input.job_kinds)] : row.jobKinds,
        webhookUrl: input.webhook_url === undefined ? row.webhookUrl : input.webhook_url,
        webhookEvents: input.webhook_events ? [...new Set(input.webhook_events)] : row.webhookEvents,
        // A new endpoint gets a fresh start after an old one answered 410.
        webhookDisabledAt: webhookChanged ? null : row.webhookDisabledAt,
        updatedAt: nowSql,
      })
      .where(eq(pipelines.id, pipelineId)),
    userAudit(db, user.id, {
      action: 'pipeline.updated',
      targetType: 'pipeline',
      targetId: pipelineId,
      pipelineId,
      requestId,
      details: { fields: Object.keys(input) },
    }),
  ])
  return (await pipelineFor(db, user, pipelineId, 'read')).pipeline
}

/** Disabling is the kill switch: its keys answer 403 and its run credentials stop working at once. */
export async function setPipelineDisabled(db: Database, user: CurrentUser, pipelineId: string, disabled: boolean, requestId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  await db.batch([
    db
      .update(pipelines)
      .set({ disabledAt: disabled ? nowSql : null, updatedAt: nowSql })
      .where(eq(pipelines.id, pipelineId)),
    userAudit(db, user.id, {
      action: disabled ? 'pipeline.disabled' : 'pipeline.enabled',
      targetType: 'pipeline',
      targetId: pipelineId,
      pipelineId,
      requestId,
    }),
  ])
  return (await pipelineFor(db, user, pipelineId, 'read')).pipeline
}

/**
 * Deleting keeps the row (audit rows and analyses still name it) but revokes every key and secret
 * and removes every grant, in one batch.
 */
export async function deletePipeline(db: Database, user: CurrentUser, pipelineId: string, requestId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  await db.batch([
    db.update(pipelines).set({ deletedAt: nowSql, updatedAt: nowSql }).where(eq(pipelines.id, pipelineId)),
    db.update(pipelineKeys).set({ revokedAt: nowSql }).where(and(eq(pipelineKeys.pipelineId, pipelineId), isNull(pipelineKeys.revokedAt))),
    db.update(pipelineSecrets).set({ revokedAt: nowSql }).where(and(eq(pipelineSecrets.pipelineId, pipelineId), isNull(pipelineSecrets.revokedAt))),
    db.delete(pipelineGrants).where(eq(pipelineGrants.pipelineId, pipelineId)),
    userAudit(db, user.id, { action: 'pipeline.deleted', targetType: 'pipeline', targetId: pipelineId, pipelineId, requestId }),
  ])
}
