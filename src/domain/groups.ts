import { and, count, eq, inArray, isNull, max, min, sql, sum } from 'drizzle-orm'
import type { CurrentUser, RpcMeta } from '../app-env'
import { authorize, projectRole } from '../auth/permissions'
import type { Database } from '../db/client'
import { analyses } from '../db/schema'
import { notFound } from '../errors'
import { ACTIVE_STATUSES, RUN_STATUSES } from '../schemas/runs'
import { userAudit } from './audit'
import { cancelAnalyses } from './runs/cancel-runs'

/** Batches by `group_id` within a project: status at a glance, cancel, delete (docs/search.md#groups). */

const inGroup = (projectId: string, groupId: string) => and(eq(analyses.projectId, projectId), eq(analyses.groupId, groupId), isNull(analyses.deletedAt))

export async function groupStatus(db: Database, user: CurrentUser, projectId: string, groupId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const where = inGroup(projectId, groupId)
  const [statuses, models, totals] = await Promise.all([
    db.select({ status: analyses.status, n: count() }).from(analyses).where(where).groupBy(analyses.status),
    db.select({ model_name: analyses.modelName, model_version: analyses.modelVersion, count: count() }).from(analyses).where(where).groupBy(analyses.modelName, analyses.modelVersion),
    db
      .select({
        progress: sql<number>`coalesce(avg(CASE WHEN ${analyses.completedAt} IS NOT NULL THEN 1.0 ELSE ${analyses.progress} END), 0)`,
        annotations: sum(analyses.annotationCount),
        first: min(analyses.createdAt),
        last: max(analyses.completedAt),
      })
      .from(analyses)
      .where(where)
      .get(),
  ])
  const total = statuses.reduce((n, s) => n + s.n, 0)
  if (!total) throw notFound('Group')
  const byStatus = Object.fromEntries(RUN_STATUSES.map((s) => [s, statuses.find((r) => r.status === s)?.n ?? 0])) as Record<(typeof RUN_STATUSES)[number], number>
  return {
    group_id: groupId,
    total,
    by_status: byStatus,
    done: ACTIVE_STATUSES.every((s) => byStatus[s] === 0),
    progress: totals?.progress ?? 0,
    annotations: Number(totals?.annotations ?? 0),
    models,
    first_created_at: totals?.first ?? null,
    last_completed_at: totals?.last ?? null,
  }
}

async function activeIds(db: Database, projectId: string, groupId: string) {
  const rows = await db
    .select({ id: analyses.id })
    .from(analyses)
    .where(and(inGroup(projectId, groupId), inArray(analyses.status, [...ACTIVE_STATUSES])))
  return rows.map((r) => r.id)
}

export async function cancelGroup(db: Database, env: Env, user: CurrentUser, projectId: string, groupId: string, meta: RpcMeta) {
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  const outcome = await cancelAnalyses(env, await activeIds(db, projectId, groupId), user.id, meta)
  await userAudit(db, user.id, { action: 'group.canceled', targetType: 'group', targetId: groupId, projectId, requestId: meta.requestId, details: { ...outcome } })
  return outcome
}

/** Soft-deletes the group's analyses with one instant (running ones canceled first), like a delete of each. */
export async function deleteGroup(db: Database, env: Env, user: CurrentUser, projectId: string, groupId: string, meta: RpcMeta) {
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  const active = await activeIds(db, projectId, groupId)
  if (active.length) await cancelAnalyses(env, active, user.id, meta)
  const [stamped] = await db.batch([
    db.update(analyses).set({ deletedAt: new Date().toISOString() }).where(inGroup(projectId, groupId)).returning({ id: analyses.id }),
    userAudit(db, user.id, { action: 'group.deleted', targetType: 'group', targetId: groupId, projectId, requestId: meta.requestId }),
  ])
  if (!stamped.length) throw notFound('Group')
  return { deleted: stamped.length }
}
