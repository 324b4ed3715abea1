import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { projectSettings } from '../../db/schema'

/** A project runs this many jobs at once unless its settings say otherwise. */
export const DEFAULT_JOB_CONCURRENCY = 1

/** Holding a slot: admitted and not finished. */
const HOLDS_SLOT = "runnable_at IS NOT NULL AND status IN ('queued', 'processing')"
/** Waiting for a slot, in the order slots are given. */
const WAITING = "status = 'queued' AND runnable_at IS NULL"
export const QUEUE_ORDER = 'priority DESC, created_at, id'

/**
 * Gives free slots to the jobs at the head of the project's queue, in one statement. D1 runs
 * statements one at a time, so the count of held slots and the update cannot interleave with another
 * admission: however many creations and completions race, no more than `job_concurrency` jobs ever
 * hold a slot. Idempotent: with no free slot it changes nothing. Returns the jobs it admitted.
 */
export async function admitWaiting(d1: D1Database, projectId: string, now = new Date().toISOString()): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `UPDATE jobs SET runnable_at = ?1
       WHERE id IN (
         SELECT id FROM jobs WHERE project_id = ?2 AND ${WAITING}
         ORDER BY ${QUEUE_ORDER}
         LIMIT max(0,
           coalesce((SELECT job_concurrency FROM project_settings WHERE project_id = ?2), ${DEFAULT_JOB_CONCURRENCY})
           - (SELECT count(*) FROM jobs WHERE project_id = ?2 AND ${HOLDS_SLOT})))
       RETURNING id`,
    )
    .bind(now, projectId)
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

/** Jobs holding a slot that no pipeline has started yet: the ones whose objects must hear they may start. */
export async function runnableQueued(d1: D1Database, projectId: string): Promise<string[]> {
  const { results } = await d1
    .prepare(`SELECT id FROM jobs WHERE project_id = ? AND status = 'queued' AND runnable_at IS NOT NULL`)
    .bind(projectId)
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

/** 1 for the job that gets the next slot; null for a job that is not waiting. */
export async function queuePosition(d1: D1Database, jobId: string): Promise<number | null> {
  const row = await d1
    .prepare(
      `SELECT (SELECT count(*) FROM jobs o WHERE o.project_id = j.project_id AND o.status = 'queued' AND o.runnable_at IS NULL
                AND (o.priority > j.priority OR (o.priority = j.priority AND (o.created_at < j.created_at OR (o.created_at = j.created_at AND o.id < j.id))))) + 1 AS position
       FROM jobs j WHERE j.id = ? AND j.status = 'queued' AND j.runnable_at IS NULL`,
    )
    .bind(jobId)
    .first<{ position: number }>()
  return row ? Number(row.position) : null
}

export async function jobConcurrency(db: Database, projectId: string): Promise<number> {
  const row = await db.select({ n: projectSettings.jobConcurrency }).from(projectSettings).where(eq(projectSettings.projectId, projectId)).get()
  return row?.n ?? DEFAULT_JOB_CONCURRENCY
}
