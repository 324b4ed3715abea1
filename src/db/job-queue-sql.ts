/**
 * The job queue's raw SQL. Admission counts the held slots and hands out the free ones in one
 * UPDATE whose LIMIT is that count, which drizzle cannot express; splitting it into a read and a
 * write would let two admissions interleave and overfill the project.
 */

/** Holding a slot: admitted and not finished. */
const HOLDS_SLOT = "runnable_at IS NOT NULL AND status IN ('queued', 'processing')"
/** Waiting for a slot, in the order slots are given. */
const WAITING = "status = 'queued' AND runnable_at IS NULL"
const QUEUE_ORDER = 'priority DESC, created_at, id'

/** Marks the head of the project's queue runnable, as many jobs as there are free slots; returns their ids. */
export const admitStatement = (d1: D1Database, projectId: string, defaultConcurrency: number, now: string) =>
  d1
    .prepare(
      `UPDATE jobs SET runnable_at = ?1
       WHERE id IN (
         SELECT id FROM jobs WHERE project_id = ?2 AND ${WAITING}
         ORDER BY ${QUEUE_ORDER}
         LIMIT max(0,
           coalesce((SELECT job_concurrency FROM project_settings WHERE project_id = ?2), ?3)
           - (SELECT count(*) FROM jobs WHERE project_id = ?2 AND ${HOLDS_SLOT})))
       RETURNING id`,
    )
    .bind(now, projectId, defaultConcurrency)

export const runnableQueuedStatement = (d1: D1Database, projectId: string) =>
  d1.prepare(`SELECT id FROM jobs WHERE project_id = ? AND status = 'queued' AND runnable_at IS NOT NULL`).bind(projectId)

/** The job's place among the waiting jobs, counted in the order of the queue; no row for a job not waiting. */
export const queuePositionStatement = (d1: D1Database, jobId: string) =>
  d1
    .prepare(
      `SELECT (SELECT count(*) FROM jobs o WHERE o.project_id = j.project_id AND o.status = 'queued' AND o.runnable_at IS NULL
                AND (o.priority > j.priority OR (o.priority = j.priority AND (o.created_at < j.created_at OR (o.created_at = j.created_at AND o.id < j.id))))) + 1 AS position
       FROM jobs j WHERE j.id = ? AND j.status = 'queued' AND j.runnable_at IS NULL`,
    )
    .bind(jobId)
