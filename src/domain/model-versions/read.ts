import { and, count, desc, eq, sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { DataAccess, Database } from '../../db/client'
import { datasetSnapshots, jobs, modelVersions } from '../../db/schema'
import { notFound } from '../../errors'
import type { ModelVersionListQuery } from '../../schemas/model-versions'
import { RUN_STATUSES, type RunStatus } from '../../schemas/runs'
import { toJob, toModelVersion, toSnapshot } from '../serialize'

export async function listModelVersions(db: Database, user: CurrentUser, projectId: string, q: z.infer<typeof ModelVersionListQuery>) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const where = and(eq(modelVersions.projectId, projectId), q.name ? eq(modelVersions.name, q.name) : undefined)
  const [rows, total] = await Promise.all([
    db.select().from(modelVersions).where(where).orderBy(desc(modelVersions.createdAt), desc(modelVersions.id)).limit(q.limit).offset(q.skip),
    db.select({ n: count() }).from(modelVersions).where(where).get(),
  ])
  return { model_versions: rows.map(toModelVersion), total: total?.n ?? 0 }
}

export async function modelVersionForUser(db: Database, user: CurrentUser, id: string) {
  const row = await db.select().from(modelVersions).where(eq(modelVersions.id, id)).get()
  if (!row) throw notFound('Model version')
  authorize(await projectRole(db, row.projectId, user.id), 'read', 'Model version')
  return toModelVersion(row)
}

/**
 * The loop, around one version: the snapshot it learned from and the job that trained it, the jobs
 * and analyses that applied it, how people judged those analyses, and the later snapshots that
 * those judgements fed.
 */
export async function lineage({ db, d1 }: DataAccess, version: ReturnType<typeof toModelVersion>) {
  const [snapshot, trainingJob, using, byStatus, reviews, next] = await Promise.all([
    version.dataset_snapshot_id ? db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, version.dataset_snapshot_id)).get() : undefined,
    version.job_id ? db.select().from(jobs).where(eq(jobs.id, version.job_id)).get() : undefined,
    db.select().from(jobs).where(eq(jobs.modelVersionId, version.id)).orderBy(desc(jobs.createdAt)).limit(20),
    d1
      .prepare('SELECT status, count(*) AS n FROM analyses WHERE model_version_id = ? AND deleted_at IS NULL GROUP BY status')
      .bind(version.id)
      .all<{ status: RunStatus; n: number }>(),
    d1
      .prepare(
        `SELECT an.review_state AS state, count(*) AS n FROM annotations an JOIN analyses a ON a.id = an.analysis_id
         WHERE a.model_version_id = ? AND a.deleted_at IS NULL GROUP BY an.review_state`,
      )
      .bind(version.id)
      .all<{ state: string; n: number }>(),
    db
      .select()
      .from(datasetSnapshots)
      .where(
        and(
          eq(datasetSnapshots.projectId, version.project_id),
          sql`EXISTS (SELECT 1 FROM json_each(${datasetSnapshots.sources}) WHERE json_extract(value, '$.model_version_id') = ${version.id})`,
        ),
      )
      .orderBy(datasetSnapshots.createdAt),
  ])
  const analyses = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>
  for (const r of byStatus.results) analyses[r.status] = Number(r.n)
  const review = { accepted: 0, rejected: 0, unreviewed: 0 }
  for (const r of reviews.results) review[r.state as keyof typeof review] = Number(r.n)
  return {
    dataset_snapshot: snapshot ? toSnapshot(snapshot) : null,
    training_job: trainingJob ? toJob(trainingJob) : null,
    model_version: version,
    jobs_using: using.map(toJob),
    analyses: { total: RUN_STATUSES.reduce((n, s) => n + analyses[s], 0), ...analyses },
    reviews: review,
    next_snapshots: next.map(toSnapshot),
  }
}
