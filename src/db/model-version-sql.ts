/**
 * The raw SQL of comparing two model versions: per-class statistics over a derived table of the
 * analyses that count, optionally narrowed by a correlated EXISTS to images both versions analysed.
 */

export interface ClassRow {
  class_name: string
  annotations: number
  mean_confidence: number | null
  accepted: number
  rejected: number
}

/** Completed analyses of version ?1; with `common`, only of images version ?2 analysed too. */
const analysed = (common: boolean) => `
  SELECT a.id, a.image_id FROM analyses a
  WHERE a.model_version_id = ?1 AND a.status = 'completed' AND a.deleted_at IS NULL
  ${common ? "AND EXISTS (SELECT 1 FROM analyses b WHERE b.image_id = a.image_id AND b.model_version_id = ?2 AND b.status = 'completed' AND b.deleted_at IS NULL)" : ''}`

/** Rows of `ClassRow`, one per class the version's annotations name, by class name. */
export const classStats = (d1: D1Database, versionId: string, otherId: string, common: boolean) =>
  d1
    .prepare(
      `SELECT coalesce(an.class_name, 'unlabeled') AS class_name, count(*) AS annotations, avg(an.confidence) AS mean_confidence,
              sum(an.review_state = 'accepted') AS accepted, sum(an.review_state = 'rejected') AS rejected
       FROM annotations an JOIN (${analysed(common)}) a ON a.id = an.analysis_id
       GROUP BY 1 ORDER BY 1`,
    )
    .bind(versionId, otherId)

/** One row `{ n }`: the images the version analysed; with `otherId`, only those that version analysed too. */
export const analysedImageCount = (d1: D1Database, versionId: string, otherId?: string) =>
  d1
    .prepare(`SELECT count(DISTINCT image_id) AS n FROM (${analysed(otherId !== undefined)})`)
    .bind(versionId, ...(otherId === undefined ? [] : [otherId]))
