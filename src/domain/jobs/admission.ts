import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { admitStatement, queuePositionStatement, runnableQueuedStatement } from '../../db/job-queue-sql'
import { projectSettings } from '../../db/schema'

/** A project runs this many jobs at once unless its settings say otherwise. */
export const DEFAULT_JOB_CONCURRENCY = 1

/**
 * Gives free slots to the jobs at the head of the project's queue, in one statement. D1 runs
 * statements one at a time, so the count of held slots and the update cannot interleave with another
 * admission: however many creations and completions race, no more than `job_concurrency` jobs ever
 * hold a slot. Idempotent: with no free slot it changes nothing. Returns the jobs it admitted.
 */
export async function admitWaiting(d1: D1Database, projectId: string, now = new Date().toISOString()): Promise<string[]> {
  const { results } = await admitStatement(d1, projectId, DEFAULT_JOB_CONCURRENCY, now).all<{ id: string }>()
  return results.map((r) => r.id)
}

/** Jobs holding a slot that no pipeline has started yet: the ones whose objects must hear they may start. */
export async function runnableQueued(d1: D1Database, projectId: string): Promise<string[]> {
  const { results } = await runnableQueuedStatement(d1, projectId).all<{ id: string }>()
  return results.map((r) => r.id)
}

/** 1 for the job that gets the next slot; null for a job that is not waiting. */
export async function queuePosition(d1: D1Database, jobId: string): Promise<number | null> {
  const row = await queuePositionStatement(d1, jobId).first<{ position: number }>()
  return row ? Number(row.position) : null
}

export async function jobConcurrency(db: Database, projectId: string): Promise<number> {
  const row = await db.select({ n: projectSettings.jobConcurrency }).from(projectSettings).where(eq(projectSettings.projectId, projectId)).get()
  return row?.n ?? DEFAULT_JOB_CONCURRENCY
}
