import { and, count, desc, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm'
import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole, type Action } from '../../auth/permissions'
import type { DataAccess, Database } from '../../db/client'
import { datasetSnapshots, jobs, modelVersions } from '../../db/schema'
import { notFound } from '../../errors'
import type { JobListQuery } from '../../schemas/jobs'
import { toJob, toSnapshot } from '../serialize'
import { jobConcurrency, queuePosition } from './admission'
import { batchSummary } from './targets'

/** The job if the user may do `action` in its project; 404 for everyone else. */
export async function jobForUser(db: Database, user: CurrentUser, jobId: string, action: Action) {
  const row = await db.select().from(jobs).where(eq(jobs.id, jobId)).get()
  if (!row) throw notFound('Job')
  const role = authorize(await projectRole(db, row.projectId, user.id), action, 'Job')
  return { job: toJob(row), role }
}

export async function listJobs(db: Database, user: CurrentUser, projectId: string, q: z.infer<typeof JobListQuery>) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const filters: SQL[] = [eq(jobs.projectId, projectId)]
  if (q.kind) filters.push(eq(jobs.kind, q.kind))
  if (q.status) filters.push(eq(jobs.status, q.status))
  if (q.model_name) filters.push(eq(jobs.modelName, q.model_name))
  const where = and(...filters)
  const [rows, total] = await Promise.all([
    db.select().from(jobs).where(where).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(q.limit).offset(q.skip),
    db.select({ n: count() }).from(jobs).where(where).get(),
  ])
  return { jobs: rows.map(toJob), total: total?.n ?? 0 }
}

/** The job with what a job page shows beside it: its place in the queue, its dataset, its batch, its versions. */
export async function jobDetail({ db, d1 }: DataAccess, job: ReturnType<typeof toJob>) {
  const [position, snapshot, versions, batch] = await Promise.all([
    queuePosition(d1, job.id),
    job.dataset_snapshot_id ? db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, job.dataset_snapshot_id)).get() : undefined,
    db.select({ id: modelVersions.id }).from(modelVersions).where(eq(modelVersions.jobId, job.id)).orderBy(desc(modelVersions.createdAt)),
    job.kind === 'batch_inference' ? batchSummary(d1, job) : null,
  ])
  return { ...job, queue_position: position, dataset: snapshot ? toSnapshot(snapshot) : null, batch, model_version_ids: versions.map((v) => v.id) }
}

/** The project's queue: who holds a slot, and who waits, in the order slots will be given. */
export async function jobQueue(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const [concurrency, running, waiting] = await Promise.all([
    jobConcurrency(db, projectId),
    db
      .select()
      .from(jobs)
      .where(and(eq(jobs.projectId, projectId), isNotNull(jobs.runnableAt), inArray(jobs.status, ['queued', 'processing'])))
      .orderBy(jobs.runnableAt),
    db
      .select()
      .from(jobs)
      .where(and(eq(jobs.projectId, projectId), eq(jobs.status, 'queued'), isNull(jobs.runnableAt)))
      .orderBy(desc(jobs.priority), jobs.createdAt, jobs.id),
  ])
  return { concurrency, running: running.map(toJob), waiting: waiting.map((r, i) => ({ ...toJob(r), queue_position: i + 1 })) }
}
