import { GROUND_TRUTH_COLUMNS, type StoredGroundTruth } from './ground-truth-sql'

/**
 * What an evaluation reads, as raw SQL: the chosen analyses, the images in scope, and the objects
 * of a batch of images a page at a time (bound as JSON lists: D1 caps bound parameters at 100).
 * Pages are walked by rowid, so memory stays flat however large the project is.
 */

export interface ChosenAnalysis {
  id: string
  image_id: string
  annotation_count: number
}

/** Completed analyses of the selection, newest first per image: the caller keeps the first of each. */
export async function completedAnalyses(d1: D1Database, projectId: string, selector: { model_name: string; model_version: string } | { group_id: string }) {
  const byModel = 'model_name' in selector
  const { results } = await d1
    .prepare(
      `SELECT id, image_id, annotation_count FROM analyses
       WHERE project_id = ?1 AND status = 'completed' AND deleted_at IS NULL AND ${byModel ? 'model_name = ?2 AND model_version = ?3' : 'group_id = ?2'}
       ORDER BY image_id, completed_at DESC, created_at DESC, id DESC`,
    )
    .bind(projectId, ...(byModel ? [selector.model_name, selector.model_version] : [selector.group_id]))
    .all<ChosenAnalysis>()
  return results
}

export interface ProjectImageRow {
  id: string
  filename: string
  width: number | null
  height: number | null
}

export async function projectImageRows(d1: D1Database, projectId: string) {
  const { results } = await d1
    .prepare('SELECT id, filename, width, height FROM images WHERE project_id = ? AND deleted_at IS NULL')
    .bind(projectId)
    .all<ProjectImageRow>()
  return results
}

export async function importImages(d1: D1Database, importId: string) {
  const { results } = await d1
    .prepare('SELECT image_id, coco_image_id, width, height FROM ground_truth_images WHERE import_id = ?')
    .bind(importId)
    .all<{ image_id: string; coco_image_id: string; width: number | null; height: number | null }>()
  return results
}

/** Images a person reviewed: marked, or with at least one accepted or rejected prediction. */
export async function reviewedImageIds(d1: D1Database, projectId: string): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT image_id FROM image_reviews WHERE project_id = ?1
       UNION SELECT DISTINCT an.image_id FROM annotations a JOIN analyses an ON an.id = a.analysis_id
       WHERE an.project_id = ?1 AND an.deleted_at IS NULL AND a.review_state <> 'unreviewed'`,
    )
    .bind(projectId)
    .all<{ image_id: string }>()
  return results.map((r) => r.image_id)
}

export async function acceptedClassNames(d1: D1Database, projectId: string, types: readonly string[]): Promise<string[]> {
  const { results } = await d1
    .prepare(
      `SELECT DISTINCT coalesce(a.class_name, 'unlabeled') AS name FROM annotations a JOIN analyses an ON an.id = a.analysis_id
       WHERE an.project_id = ?1 AND an.deleted_at IS NULL AND a.review_state = 'accepted' AND a.annotation_type IN (SELECT value FROM json_each(?2))
       ORDER BY name`,
    )
    .bind(projectId, JSON.stringify(types))
    .all<{ name: string }>()
  return results.map((r) => r.name)
}

export interface EvaluatedAnnotation {
  _rowid: number
  id: string
  analysis_id: string
  image_id: string
  class_name: string | null
  confidence: number | null
  annotation_type: string
  review_state: string
  data: string
}

async function* pages<T extends { _rowid: number }>(statement: D1PreparedStatement, params: unknown[], pageSize: number): AsyncGenerator<T[]> {
  let after = 0
  for (;;) {
    const { results } = await statement.bind(...params, after, pageSize).all<T>()
    if (results.length) yield results
    if (results.length < pageSize) return
    after = results.at(-1)!._rowid
  }
}

/** The predictions of a batch of chosen analyses. */
export const predictionPages = (d1: D1Database, analysisIds: string[], types: readonly string[], pageSize: number) =>
  pages<EvaluatedAnnotation>(
    d1.prepare(
      `SELECT a.rowid AS _rowid, a.id, a.analysis_id, an.image_id, a.class_name, a.confidence, a.annotation_type, a.review_state, a.data
       FROM annotations a JOIN analyses an ON an.id = a.analysis_id
       WHERE a.analysis_id IN (SELECT value FROM json_each(?1)) AND a.annotation_type IN (SELECT value FROM json_each(?2)) AND a.rowid > ?3
       ORDER BY a.rowid LIMIT ?4`,
    ),
    [JSON.stringify(analysisIds), JSON.stringify(types)],
    pageSize,
  )

/** Accepted predictions of any analysis on a batch of images: ground truth from reviews. */
export const acceptedPages = (d1: D1Database, imageIds: string[], types: readonly string[], pageSize: number) =>
  pages<EvaluatedAnnotation>(
    d1.prepare(
      `SELECT a.rowid AS _rowid, a.id, a.analysis_id, an.image_id, a.class_name, a.confidence, a.annotation_type, a.review_state, a.data
       FROM annotations a JOIN analyses an ON an.id = a.analysis_id
       WHERE an.image_id IN (SELECT value FROM json_each(?1)) AND an.deleted_at IS NULL AND a.review_state = 'accepted'
         AND a.annotation_type IN (SELECT value FROM json_each(?2)) AND a.rowid > ?3
       ORDER BY a.rowid LIMIT ?4`,
    ),
    [JSON.stringify(imageIds), JSON.stringify(types)],
    pageSize,
  )

/** Imported objects of a batch of images; `geometry` false leaves mask and keypoint text in the database. */
export const importedPages = (d1: D1Database, importId: string, imageIds: string[], geometry: boolean, pageSize: number) =>
  pages<StoredGroundTruth & { _rowid: number }>(
    d1.prepare(
      `SELECT rowid AS _rowid, ${geometry ? GROUND_TRUTH_COLUMNS : GROUND_TRUTH_COLUMNS.replace(', segmentation, keypoints', ', NULL AS segmentation, NULL AS keypoints')}
       FROM ground_truth WHERE import_id = ?1 AND image_id IN (SELECT value FROM json_each(?2)) AND rowid > ?3 ORDER BY rowid LIMIT ?4`,
    ),
    [importId, JSON.stringify(imageIds)],
    pageSize,
  )
