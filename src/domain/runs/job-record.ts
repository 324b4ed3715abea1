import { and, eq, lte } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { jobs } from '../../db/schema'
import type { Job } from '../../schemas/jobs'
import type { AuditEntry } from '../audit'
import { lifecycleColumns, withAudit } from './lifecycle-write'
import { toJob } from '../serialize'

/** The job as its object first sees it. */
export async function loadJob(db: Database, id: string): Promise<Job | null> {
  const row = await db.select().from(jobs).where(eq(jobs.id, id)).get()
  return row ? toJob(row) : null
}

/**
 * Writes the object's view of the job's lifecycle to D1; a stale write (lower version) changes
 * nothing. `runnable_at` is not the object's to write: admission sets it in D1 (docs/jobs.md#the-queue).
 */
export async function writeJobThrough(db: Database, s: Job, audit: AuditEntry | null): Promise<void> {
  const update = db
    .update(jobs)
    .set(lifecycleColumns(s))
    .where(and(eq(jobs.id, s.id), lte(jobs.version, s.version)))
  await withAudit(db, update, audit)
}
