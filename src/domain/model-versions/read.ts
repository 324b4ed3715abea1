import { and, count, desc, eq, isNull, sql } from 'drizzle-orm'
import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { DataAccess, Database } from '../../db/client'
import { analyses, annotations, datasetSnapshots, jobs, modelVersions } from '../../db/schema'
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
export async function lineage({ db }: DataAccess, version: ReturnType<typeof toModelVersion>) {
  const [snapshot, trainingJob, using, byStatus, reviews, next] = await Promise.all([
    version.dataset_snapshot_id ? db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, version.dataset_snapshot_id)).get() : undefined,
    version.job_id ? db.select().from(jobs).where(eq(jobs.id, version.job_id)).get() : undefined,
    db.select().from(jobs).where(eq(jobs.modelVersionId, version.id)).orderBy(desc(jobs.createdAt)).limit(20),
    db
      .select({ status: analyses.status, n: count() })
      .from(analyses)
      .where(and(eq(analyses.modelVersionId, version.id), isNull(analyses.deletedAt)))
      .groupBy(analyses.status),
    db
      .select({ state: annotations.reviewState, n: count() })
      .from(annotations)
      .innerJoin(analyses, eq(analyses.id, annotations.analysisId))
      .where(and(eq(analyses.modelVersionId, version.id), isNull(analyses.deletedAt)))
      .groupBy(annotations.reviewState),
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
  const byRun = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>
  for (const r of byStatus) byRun[r.status] = r.n
  const review = { accepted: 0, rejected: 0, unreviewed: 0 }
  for (const r of reviews) review[r.state] = r.n
  return {
    dataset_snapshot: snapshot ? toSnapshot(snapshot) : null,
    training_job: trainingJob ? toJob(trainingJob) : null,
    model_version: version,
    jobs_using: using.map(toJob),
    analyses: { total: RUN_STATUSES.reduce((n, s) => n + byRun[s], 0), ...byRun },
    reviews: review,
    next_snapshots: next.map(toSnapshot),
  }
}
