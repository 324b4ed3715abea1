import type { AnnotationType } from '../schemas/annotation-types'
import type { AnnotationWhere } from './annotation-sql'

/**
 * The raw SQL of exports: annotation filters built as text for the rowid pages of `annotation-sql.ts`,
 * `IN (?, …)` lists over a chunk of analysis ids, json_extract reads of annotation data, and the
 * image lists of a dataset walked by rowid across a join.
 */

/** The category of an annotation without a class name. */
export const UNLABELED = 'unlabeled'

export interface AnnotationFilter {
  /** `accepted` keeps only annotations a reviewer accepted. */
  review?: 'accepted' | 'any'
  types?: readonly AnnotationType[]
}

const ACCEPTED = "review_state = 'accepted'"
// A PNG segmentation's pixels live in an artifact; only an RLE one carries its mask inline.
const INLINE_GEOMETRY = "NOT (annotation_type = 'segmentation' AND json_extract(data, '$.counts') IS NULL)"
const placeholders = (values: readonly unknown[]) => values.map(() => '?').join(', ')

export function annotationWhere(analysisId: string, filter: AnnotationFilter): AnnotationWhere {
  const clauses = ['analysis_id = ?']
  const params: unknown[] = [analysisId]
  if (filter.review === 'accepted') clauses.push(ACCEPTED)
  if (filter.types?.length) {
    clauses.push(`annotation_type IN (${placeholders(filter.types)})`)
    params.push(...filter.types)
  }
  return { sql: clauses.join(' AND '), params }
}

export const reviewStateCounts = (d1: D1Database, analysisId: string) =>
  d1.prepare('SELECT review_state AS state, count(*) AS n FROM annotations WHERE analysis_id = ? GROUP BY review_state').bind(analysisId)

/** The distinct class names of a chunk of analyses; `inlineGeometry` leaves out masks kept as artifacts. */
export const distinctClassNames = (d1: D1Database, analysisIds: readonly string[], filter: AnnotationFilter & { inlineGeometry?: boolean }) => {
  const types = filter.types ?? []
  return d1
    .prepare(
      `SELECT DISTINCT coalesce(class_name, '${UNLABELED}') AS name FROM annotations WHERE analysis_id IN (${placeholders(analysisIds)})` +
        (types.length ? ` AND annotation_type IN (${placeholders(types)})` : '') +
        (filter.review === 'accepted' ? ` AND ${ACCEPTED}` : '') +
        (filter.inlineGeometry ? ` AND ${INLINE_GEOMETRY}` : ''),
    )
    .bind(...analysisIds, ...types)
}

/** The first keypoint annotation of each class in a chunk of analyses: the one that lays out its category. */
export const keypointLayouts = (d1: D1Database, analysisIds: readonly string[], review: AnnotationFilter['review']) =>
  d1
    .prepare(
      `SELECT coalesce(class_name, '${UNLABELED}') AS name, data FROM annotations WHERE rowid IN (` +
        `SELECT min(rowid) FROM annotations WHERE analysis_id IN (${placeholders(analysisIds)}) AND annotation_type = 'keypoint'` +
        `${review === 'accepted' ? ` AND ${ACCEPTED}` : ''} GROUP BY class_name)`,
    )
    .bind(...analysisIds)

/** The image size the first annotation that states one gives. */
export const statedImageSize = (d1: D1Database, analysisId: string) =>
  d1
    .prepare(
      "SELECT json_extract(data, '$.image_width') AS w, json_extract(data, '$.image_height') AS h FROM annotations " +
        "WHERE analysis_id = ? AND json_extract(data, '$.image_width') IS NOT NULL AND json_extract(data, '$.image_height') IS NOT NULL LIMIT 1",
    )
    .bind(analysisId)

export const completedModelNames = (d1: D1Database, projectId: string) =>
  d1
    .prepare("SELECT DISTINCT model_name FROM analyses WHERE project_id = ? AND status = 'completed' AND deleted_at IS NULL ORDER BY model_name")
    .bind(projectId)

/** Rows per page of a dataset's image list. */
export const DATASET_IMAGES_PAGE = 500

/** One image of a dataset list and the analysis that labels it; `_rowid` is the paging cursor. */
export interface DatasetImageRow {
  _rowid: number
  id: string
  filename: string
  width: number | null
  height: number | null
  storage_key: string
  analysis_id: string
}

/**
 * Ready images of the project after `afterRowid`, each with its latest completed analysis (of
 * `model`, when given); images no such analysis labels are left out.
 */
export const projectImagesPage = (d1: D1Database, projectId: string, model: string | null, afterRowid: number) =>
  d1
    .prepare(
      `SELECT i.rowid AS _rowid, i.id, i.filename, i.width, i.height, i.storage_key,
        a.id AS analysis_id, a.model_name, a.model_version
      FROM images i
      JOIN analyses a ON a.id = (
        SELECT id FROM analyses
        WHERE image_id = i.id AND status = 'completed' AND deleted_at IS NULL AND (?2 IS NULL OR model_name = ?2)
        ORDER BY completed_at DESC, created_at DESC, id DESC LIMIT 1)
      WHERE i.project_id = ?1 AND i.deleted_at IS NULL AND i.status = 'ready' AND i.rowid > ?3
      ORDER BY i.rowid LIMIT ${DATASET_IMAGES_PAGE}`,
    )
    .bind(projectId, model, afterRowid)

/** The batch's completed analyses after `afterRowid` (the analysis's rowid), each with its image. */
export const batchImagesPage = (d1: D1Database, jobId: string, afterRowid: number) =>
  d1
    .prepare(
      `SELECT a.rowid AS _rowid, i.id, i.filename, i.width, i.height, i.storage_key, a.id AS analysis_id
       FROM analyses a JOIN images i ON i.id = a.image_id
       WHERE a.job_id = ? AND a.status = 'completed' AND a.deleted_at IS NULL AND i.deleted_at IS NULL AND a.rowid > ?
       ORDER BY a.rowid LIMIT ${DATASET_IMAGES_PAGE}`,
    )
    .bind(jobId, afterRowid)

export type ReviewedEmptyImageRow = Omit<DatasetImageRow, '_rowid' | 'analysis_id'>

/** The project's ready images marked reviewed and empty, in upload order. */
export const reviewedEmptyImageRows = (d1: D1Database, projectId: string) =>
  d1
    .prepare(
      `SELECT i.id, i.filename, i.width, i.height, i.storage_key FROM image_reviews r JOIN images i ON i.id = r.image_id
       WHERE r.project_id = ? AND r.state = 'empty' AND i.deleted_at IS NULL AND i.status = 'ready' ORDER BY i.rowid`,
    )
    .bind(projectId)
