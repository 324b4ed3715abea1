/**
 * A bulk review as statements for one `d1.batch()`, so it happens whole or not at all: the
 * predictions it changes are recorded with what they were before (which is what undo puts back),
 * then accepted, all stamped with the batch's own time. Undo restores only predictions still
 * carrying that stamp, so a decision someone made since is kept.
 */

export interface BulkFilter {
  projectId: string
  modelName: string
  modelVersion: string
  minConfidence: number
  className: string | null
  annotationTypes: readonly string[] | null
  includeReviewed: boolean
}

export function recordBulkTargets(d1: D1Database, batchId: string, f: BulkFilter) {
  return d1
    .prepare(
      `INSERT INTO review_batch_items (batch_id, annotation_id, analysis_id, prev_state, prev_note, prev_by_id, prev_at)
       SELECT ?1, a.id, a.analysis_id, a.review_state, a.review_note, a.reviewed_by_id, a.reviewed_at
       FROM annotations a JOIN analyses an ON an.id = a.analysis_id
       WHERE an.project_id = ?2 AND an.model_name = ?3 AND an.model_version = ?4 AND an.status = 'completed' AND an.deleted_at IS NULL
         AND a.confidence >= ?5
         AND ${f.includeReviewed ? `a.review_state <> 'accepted'` : `a.review_state = 'unreviewed'`}
         AND (?6 IS NULL OR a.class_name = ?6)
         AND (?7 IS NULL OR a.annotation_type IN (SELECT value FROM json_each(?7)))`,
    )
    .bind(batchId, f.projectId, f.modelName, f.modelVersion, f.minConfidence, f.className, f.annotationTypes ? JSON.stringify(f.annotationTypes) : null)
}

export function acceptBulkTargets(d1: D1Database, batchId: string, by: { userId: string; at: string; note: string | null }) {
  return d1
    .prepare(
      `UPDATE annotations SET review_state = 'accepted', review_note = ?2, reviewed_by_id = ?3, reviewed_at = ?4, updated_at = ?4
       WHERE id IN (SELECT annotation_id FROM review_batch_items WHERE batch_id = ?1)`,
    )
    .bind(batchId, by.note, by.userId, by.at)
}

/** The batch's count, and how many analyses it touched, read back in the same batch. */
export function countBulkTargets(d1: D1Database, batchId: string) {
  return d1
    .prepare(
      `UPDATE review_batches SET count = (SELECT count(*) FROM review_batch_items WHERE batch_id = ?1) WHERE id = ?1
       RETURNING count AS accepted, (SELECT count(DISTINCT analysis_id) FROM review_batch_items WHERE batch_id = ?1) AS analyses`,
    )
    .bind(batchId)
}

/** Puts back what the batch changed and nobody has judged since; a no-op once the batch is undone. */
export function restoreBulkTargets(d1: D1Database, batch: { id: string; userId: string | null; createdAt: string }, at: string) {
  return d1
    .prepare(
      `UPDATE annotations SET review_state = i.prev_state, review_note = i.prev_note, reviewed_by_id = i.prev_by_id, reviewed_at = i.prev_at, updated_at = ?4
       FROM review_batch_items i
       WHERE i.batch_id = ?1 AND annotations.id = i.annotation_id
         AND annotations.review_state = 'accepted' AND annotations.reviewed_at = ?2 AND annotations.reviewed_by_id IS ?3
         AND EXISTS (SELECT 1 FROM review_batches WHERE id = ?1 AND undone_at IS NULL)`,
    )
    .bind(batch.id, batch.createdAt, batch.userId, at)
}
