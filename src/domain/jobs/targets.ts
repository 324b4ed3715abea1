import type { BatchSummary } from '../../schemas/jobs'
import { RUN_STATUSES, type RunStatus } from '../../schemas/runs'

/**
 * The images a batch covers: the job's explicit list, or every ready image of the project created
 * before the job was. Fixed at creation, so `batch_total` stays true while images keep arriving.
 */
const COVERS = `i.project_id = j.project_id AND i.deleted_at IS NULL AND i.status = 'ready'
  AND (CASE WHEN j.target_image_ids IS NULL THEN i.created_at <= j.created_at
       ELSE i.id IN (SELECT value FROM json_each(j.target_image_ids)) END)`

export async function countTargets(d1: D1Database, projectId: string, before: string): Promise<number> {
  const row = await d1
    .prepare("SELECT count(*) AS n FROM images WHERE project_id = ? AND deleted_at IS NULL AND status = 'ready' AND created_at <= ?")
    .bind(projectId, before)
    .first<{ n: number }>()
  return Number(row?.n ?? 0)
}

/** Ids in `ids` that are not ready images of the project; the list travels as one JSON parameter. */
export async function missingTargets(d1: D1Database, projectId: string, ids: string[]): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT value AS id FROM json_each(?2) WHERE NOT EXISTS (
         SELECT 1 FROM images i WHERE i.id = value AND i.project_id = ?1 AND i.deleted_at IS NULL AND i.status = 'ready')`,
    )
    .bind(projectId, JSON.stringify(ids))
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

export interface TargetImage {
  rowid: number
  id: string
  filename: string
  content_type: string
  width: number | null
  height: number | null
  storage_key: string
  analysis_id: string | null
  analysis_status: RunStatus | null
}

/** A page of the batch's images in upload order, each with the batch's analysis of it so far. */
export async function targetPage(d1: D1Database, jobId: string, afterRowid: number, limit: number): Promise<TargetImage[]> {
  const { results } = await d1
    .prepare(
      `SELECT i.rowid AS rowid, i.id, i.filename, i.content_type, i.width, i.height, i.storage_key,
              a.id AS analysis_id, a.status AS analysis_status
       FROM jobs j JOIN images i ON ${COVERS}
       LEFT JOIN analyses a ON a.job_id = j.id AND a.image_id = i.id
       WHERE j.id = ?1 AND i.rowid > ?2
       ORDER BY i.rowid LIMIT ?3`,
    )
    .bind(jobId, afterRowid, limit)
    .all<TargetImage>()
  return results
}

/** Ids in `ids` the batch does not cover. */
export async function outsideBatch(d1: D1Database, jobId: string, ids: string[]): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT value AS id FROM json_each(?2) WHERE NOT EXISTS (
         SELECT 1 FROM jobs j JOIN images i ON ${COVERS} WHERE j.id = ?1 AND i.id = value)`,
    )
    .bind(jobId, JSON.stringify(ids))
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

/** The batch's analyses by status: a GROUP BY over the job's index, never a scan in the Worker. */
export async function batchSummary(d1: D1Database, job: { id: string; batch_total: number | null }): Promise<BatchSummary> {
  const { results } = await d1
    .prepare('SELECT status, count(*) AS n FROM analyses WHERE job_id = ? AND deleted_at IS NULL GROUP BY status')
    .bind(job.id)
    .all<{ status: RunStatus; n: number }>()
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>
  for (const r of results) counts[r.status] = Number(r.n)
  const analyses = RUN_STATUSES.reduce((sum, s) => sum + counts[s], 0)
  return { total: job.batch_total ?? 0, analyses, ...counts, group_id: job.id }
}
