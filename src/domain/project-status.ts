import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm'
import type { DataAccess } from '../db/client'
import { jobs, modelVersions } from '../db/schema'
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
    d1.prepare('SELECT status, count(*) AS n FROM images WHERE project_id = ? AND deleted_at IS NULL GROUP BY status').bind(projectId).all<{ status: string; n: number }>(),
    d1
      .prepare('SELECT status, count(*) AS n FROM analyses WHERE project_id = ? AND deleted_at IS NULL GROUP BY status')
      .bind(projectId)
      .all<{ status: RunStatus; n: number }>(),
    d1
      .prepare(
        `SELECT an.review_state AS state, count(*) AS n FROM annotations an JOIN analyses a ON a.id = an.analysis_id
         WHERE a.project_id = ? AND a.deleted_at IS NULL GROUP BY an.review_state`,
      )
      .bind(projectId)
      .all<{ state: string; n: number }>(),
    d1
      .prepare(
        `SELECT name, sum(registered) AS registered, sum(analyses) AS analyses FROM (
           SELECT name, count(*) AS registered, 0 AS analyses FROM model_versions WHERE project_id = ?1 GROUP BY name
           UNION ALL
           SELECT model_name, 0, count(*) FROM analyses WHERE project_id = ?1 AND deleted_at IS NULL GROUP BY model_name)
         GROUP BY name ORDER BY name`,
      )
      .bind(projectId)
      .all<{ name: string; registered: number; analyses: number }>(),
    d1
      .prepare(
        `SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY name ORDER BY created_at DESC, id DESC) AS k FROM model_versions WHERE project_id = ?)
         WHERE k <= ${VERSIONS_PER_MODEL}`,
      )
      .bind(projectId)
      .all<{ id: string }>(),
    db
      .select()
      .from(jobs)
      .where(and(eq(jobs.projectId, projectId), isNotNull(jobs.runnableAt), inArray(jobs.status, ['queued', 'processing'])))
      .orderBy(jobs.runnableAt),
    d1.prepare("SELECT count(*) AS n FROM jobs WHERE project_id = ? AND status = 'queued' AND runnable_at IS NULL").bind(projectId).first<{ n: number }>(),
    db.select().from(jobs).where(eq(jobs.projectId, projectId)).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(10),
    jobConcurrency(db, projectId),
  ])
  const images = { total: 0, ready: 0, pending: 0 }
  for (const r of imageRows.results) {
    images[r.status as 'ready' | 'pending'] = Number(r.n)
    images.total += Number(r.n)
  }
  const analyses = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>
  for (const r of analysisRows.results) analyses[r.status] = Number(r.n)
  const reviews = { accepted: 0, rejected: 0, unreviewed: 0 }
  for (const r of reviewRows.results) reviews[r.state as keyof typeof reviews] = Number(r.n)
  const ids = versions.results.map((r) => r.id)
  const versionRows = ids.length ? await latestVersions(db, ids) : []
  return {
    project_id: projectId,
    images,
    analyses: { total: RUN_STATUSES.reduce((n, s) => n + analyses[s], 0), ...analyses },
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
