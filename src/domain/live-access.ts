import { and, desc, eq, gt, notInArray, or } from 'drizzle-orm'
import { analysisStub } from '../../durable-objects/analysis-object'
import type { Database } from '../db/client'
import { analyses } from '../db/schema'
import { TERMINAL_STATUSES } from '../schemas/runs'

/** Sockets on analyses older than this and finished are assumed gone (clients reconnect, and are re-checked). */
const RECENT_MS = 24 * 60 * 60 * 1000
const MAX_RUNS = 500

/**
 * Closes a user's live sockets on a project's analyses once they lost access to it. Membership
 * is checked when a socket opens; without this an open one keeps receiving events. Only runs that
 * can still send events or were touched lately are asked, so a large project costs a bounded
 * number of run-object calls. Returns how many sockets were closed.
 */
export async function disconnectFromProject(env: Env, db: Database, projectId: string, userId: string): Promise<number> {
  const since = new Date(Date.now() - RECENT_MS).toISOString()
  const runs = await db
    .select({ id: analyses.id })
    .from(analyses)
    .where(and(eq(analyses.projectId, projectId), or(notInArray(analyses.status, [...TERMINAL_STATUSES]), gt(analyses.updatedAt, since))))
    .orderBy(desc(analyses.updatedAt))
    .limit(MAX_RUNS)
  const closed = await Promise.allSettled(runs.map((r) => analysisStub(env, r.id).disconnect(userId)))
  return closed.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value : 0), 0)
}
