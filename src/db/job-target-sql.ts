import type { RunStatus } from '../schemas/runs'

/**
 * The raw SQL of a batch job's images: lists checked as one JSON parameter through `json_each` (D1
 * caps bound parameters at 100), and the batch's images paged by rowid across a join.
 */

/**
 * The images a batch covers: the job's explicit list, or every ready image of the project created
 * before the job was. Fixed at creation, so `batch_total` stays true while images keep arriving.
 */
const COVERS = `i.project_id = j.project_id AND i.deleted_at IS NULL AND i.status = 'ready'
  AND (CASE WHEN j.target_image_ids IS NULL THEN i.created_at <= j.created_at
       ELSE i.id IN (SELECT value FROM json_each(j.target_image_ids)) END)`

export const countReadyImages = (d1: D1Database, projectId: string, before: string) =>
  d1
    .prepare("SELECT count(*) AS n FROM images WHERE project_id = ? AND deleted_at IS NULL AND status = 'ready' AND created_at <= ?")
    .bind(projectId, before)

/** Rows of `{ id }`: the ids of the list that are not ready images of the project. */
export const notReadyImages = (d1: D1Database, projectId: string, ids: string[]) =>
  d1
    .prepare(
      `SELECT value AS id FROM json_each(?2) WHERE NOT EXISTS (
         SELECT 1 FROM images i WHERE i.id = value AND i.project_id = ?1 AND i.deleted_at IS NULL AND i.status = 'ready')`,
    )
    .bind(projectId, JSON.stringify(ids))

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

/** Rows of `TargetImage` after `afterRowid`, in upload order. */
export const targetImages = (d1: D1Database, jobId: string, afterRowid: number, limit: number) =>
  d1
    .prepare(
      `SELECT i.rowid AS rowid, i.id, i.filename, i.content_type, i.width, i.height, i.storage_key,
              a.id AS analysis_id, a.status AS analysis_status
       FROM jobs j JOIN images i ON ${COVERS}
       LEFT JOIN analyses a ON a.job_id = j.id AND a.image_id = i.id
       WHERE j.id = ?1 AND i.rowid > ?2
       ORDER BY i.rowid LIMIT ?3`,
    )
    .bind(jobId, afterRowid, limit)

/** Rows of `{ id }`: the ids of the list the batch does not cover. */
export const uncoveredImages = (d1: D1Database, jobId: string, ids: string[]) =>
  d1
    .prepare(
      `SELECT value AS id FROM json_each(?2) WHERE NOT EXISTS (
         SELECT 1 FROM jobs j JOIN images i ON ${COVERS} WHERE j.id = ?1 AND i.id = value)`,
    )
    .bind(jobId, JSON.stringify(ids))

/** Rows of `{ status, n }`: the batch's analyses by status, a GROUP BY over the job's index. */
export const batchStatusCounts = (d1: D1Database, jobId: string) =>
  d1.prepare('SELECT status, count(*) AS n FROM analyses WHERE job_id = ? AND deleted_at IS NULL GROUP BY status').bind(jobId)
