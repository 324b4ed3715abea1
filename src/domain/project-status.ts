import { and, count, desc, eq, inArray, isNotNull, isNull } from 'drizzle-orm'
import type { DataAccess } from '../db/client'
import { modelCounts, latestVersionIds } from '../db/project-status-sql'
import { analyses, annotations, images, jobs, modelVersions } from '../db/schema'
import { RUN_STATUSES, type RunStatus } from '../schemas/runs'
import { jobConcurrency } from './jobs/admission'
import { toJob, toModelVersion } from './serialize'

const VERSIONS_PER_MODEL = 5

/**
 * Where the project stands, in one answer: images, analyses by status, review progress, models and
 * their latest versions with metrics, who holds a job slot, how many wait, and the last ten jobs.
 * Every count is a GROUP BY in D1.
 */
export async function projectStatus({ db, d1 }: DataAccess, projectId: string) {
  const [imageRows, analysisRows, reviewRows, modelRows, versions, running, waiting, recent, concurrency] = await Promise.all([
    db
      .select({ status: images.status, n: count() })
      .from(images)
      .where(and(eq(images.projectId, projectId), isNull(images.deletedAt)))
      .groupBy(images.status),
    db
      .select({ status: analyses.status, n: count() })
      .from(analyses)
      .where(and(eq(analyses.projectId, projectId), isNull(analyses.deletedAt)))
      .groupBy(analyses.status),
    db
      .select({ state: annotations.reviewState, n: count() })
      .from(annotations)
      .innerJoin(analyses, eq(analyses.id, annotations.analysisId))
      .where(and(eq(analyses.projectId, projectId), isNull(analyses.deletedAt)))
      .groupBy(annotations.reviewState),
    modelCounts(d1, projectId).all<{ name: string; registered: number; analyses: number }>(),
    latestVersionIds(d1, projectId, VERSIONS_PER_MODEL).all<{ id: string }>(),
    db
      .select()
      .from(jobs)
      .where(and(eq(jobs.projectId, projectId), isNotNull(jobs.runnableAt), inArray(jobs.status, ['queued', 'processing'])))
      .orderBy(jobs.runnableAt),
    db
      .select({ n: count() })
      .from(jobs)
      .where(and(eq(jobs.projectId, projectId), eq(jobs.status, 'queued'), isNull(jobs.runnableAt)))
      .get(),
    db.select().from(jobs).where(eq(jobs.projectId, projectId)).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(10),
    jobConcurrency(db, projectId),
  ])
  const imageCounts = { total: 0, ready: 0, pending: 0 }
  for (const r of imageRows) {
    imageCounts[r.status as 'ready' | 'pending'] = Number(r.n)
    imageCounts.total += Number(r.n)
  }
  const analysisCounts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>
  for (const r of analysisRows) analysisCounts[r.status] = Number(r.n)
  const reviews = { accepted: 0, rejected: 0, unreviewed: 0 }
  for (const r of reviewRows) reviews[r.state as keyof typeof reviews] = Number(r.n)
  const ids = versions.results.map((r) => r.id)
  const versionRows = ids.length ? await latestVersions(db, ids) : []
  return {
    project_id: projectId,
    images: imageCounts,
    analyses: { total: RUN_STATUSES.reduce((n, s) => n + analysisCounts[s], 0), ...analysisCounts },
    reviews: { ...reviews, pending: reviews.unreviewed },
    models: modelRows.results.map((m) => ({
      name: m.name,
      registered_versions: Number(m.registered),
      analyses: Number(m.analyses),
      versions: versionRows.filter((v) => v.name === m.name),
    })),
    job_concurrency: concurrency,
    running_jobs: running.map(toJob),
    waiting_jobs: Number(waiting?.n ?? 0),
    recent_jobs: recent.map(toJob),
  }
}

// D1 allows 100 bound parameters; models × 5 versions stays under it in chunks.
async function latestVersions(db: DataAccess['db'], ids: string[]) {
  const rows = []
  for (let i = 0; i < ids.length; i += 90) {
    rows.push(...(await db.select().from(modelVersions).where(inArray(modelVersions.id, ids.slice(i, i + 90))).orderBy(desc(modelVersions.createdAt), desc(modelVersions.id))))
  }
  return rows.map(toModelVersion)
}
