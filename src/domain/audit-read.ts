import { and, count, desc, eq, gte, inArray, isNull, like, lt, lte, max, or, sql, type SQL } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, projectRole } from '../auth/permissions'
import type { Database } from '../db/client'
import { auditLog, pipelineGrants } from '../db/schema'
import type { z } from 'zod'
import type { AuditQuery } from '../schemas/audit-log'

/**
 * A project's audit trail: its own rows, and the rows of the pipelines it grants that name no
 * project (key creation, use and revocation), so owners see everything that can act on their data.
 */
function projectRows(db: Database, projectId: string): SQL {
  const granted = db.select({ id: pipelineGrants.pipelineId }).from(pipelineGrants).where(eq(pipelineGrants.projectId, projectId))
  return or(eq(auditLog.projectId, projectId), and(isNull(auditLog.projectId), inArray(auditLog.pipelineId, granted)))!
}

function actorFilter(actor: string): SQL {
  const [type, id] = actor.includes(':') ? actor.split(':', 2) : [null, actor]
  if (type === null) return actor === 'system' ? eq(auditLog.actorType, 'system') : eq(auditLog.actorId, actor)
  return and(eq(auditLog.actorType, type as 'user'), eq(auditLog.actorId, id!))!
}

export async function projectAudit(db: Database, user: CurrentUser, projectId: string, q: z.infer<typeof AuditQuery>) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const filters: SQL[] = [projectRows(db, projectId)]
  if (q.kind) filters.push(or(eq(auditLog.action, q.kind), like(auditLog.action, `${q.kind}.%`))!)
  if (q.actor) filters.push(actorFilter(q.actor))
  if (q.since) filters.push(gte(auditLog.at, new Date(q.since).toISOString()))
  if (q.until) filters.push(lte(auditLog.at, new Date(q.until).toISOString()))
  if (q.cursor) filters.push(lt(auditLog.id, q.cursor))
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1)
  const page = rows.slice(0, q.limit)
  return {
    entries: page.map((r) => ({
      id: r.id,
      at: r.at,
      actor_type: r.actorType,
      actor_id: r.actorId,
      action: r.action,
      target_type: r.targetType,
      target_id: r.targetId,
      pipeline_id: r.pipelineId,
      request_id: r.requestId,
      details: r.details ?? null,
    })),
    next_cursor: rows.length > q.limit ? page.at(-1)!.id : null,
  }
}

export async function projectAuditSummary(db: Database, user: CurrentUser, projectId: string, since: string | undefined) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const from = since ? new Date(since).toISOString() : new Date(Date.now() - 86_400_000).toISOString()
  const scope = and(projectRows(db, projectId), gte(auditLog.at, from))
  const rejected = and(scope, eq(auditLog.action, 'callback.rejected'))
  const hour = sql<string>`substr(${auditLog.at}, 1, 13)`
  const [byAction, byPipeline, byHour] = await Promise.all([
    db.select({ action: auditLog.action, count: count() }).from(auditLog).where(scope).groupBy(auditLog.action).orderBy(desc(count())),
    db
      .select({ pipeline_id: auditLog.pipelineId, count: count(), last_at: max(auditLog.at) })
      .from(auditLog)
      .where(rejected)
      .groupBy(auditLog.pipelineId)
      .orderBy(desc(count())),
    db.select({ hour, count: count() }).from(auditLog).where(rejected).groupBy(hour).orderBy(hour),
  ])
  return {
    since: from,
    by_action: byAction,
    rejected_by_pipeline: byPipeline.map((r) => ({ ...r, last_at: r.last_at! })),
    rejected_by_hour: byHour,
  }
}
