import { and, asc, eq, gte, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { Database } from '../../db/client'
import { analyses, annotations } from '../../db/schema'
import type { AnnotationSearchQuery } from '../../schemas/search'
import { toAnnotation } from '../serialize'
import { decodeCursor, encodeCursor } from './cursor'

const SORT = 'analysis,rowid'
const rowid = sql<number>`${annotations}.rowid`

/**
 * Annotations of one class across a project's live analyses (docs/search.md#annotations). The walk
 * follows the project's analyses by id and, inside each, the `(analysis_id, class_name)` index in
 * row order, so a page reads about as many rows as it returns whatever the class's size elsewhere.
 */
export async function searchProjectAnnotations(db: Database, user: CurrentUser, projectId: string, q: AnnotationSearchQuery) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const where: SQL[] = [eq(analyses.projectId, projectId), isNull(analyses.deletedAt), eq(annotations.className, q.class_name)]
  if (q.annotation_type) where.push(eq(annotations.annotationType, q.annotation_type))
  if (q.min_confidence !== undefined) where.push(gte(annotations.confidence, q.min_confidence))
  if (q.review_state) where.push(eq(annotations.reviewState, q.review_state))
  if (q.model_name) where.push(eq(analyses.modelName, q.model_name))
  if (q.cursor) {
    const [analysisId, row] = decodeCursor(q.cursor, SORT, 2)
    where.push(or(sql`${analyses.id} > ${analysisId}`, and(eq(analyses.id, String(analysisId)), sql`${rowid} > ${row}`))!)
  }
  const rows = await db
    .select({
      annotation: annotations,
      rowid,
      imageId: analyses.imageId,
      modelName: analyses.modelName,
      modelVersion: analyses.modelVersion,
      analysisCreatedAt: analyses.createdAt,
    })
    .from(analyses)
    .innerJoin(annotations, eq(annotations.analysisId, analyses.id))
    .where(and(...where))
    .orderBy(asc(analyses.id), asc(rowid))
    .limit(q.limit + 1)
  const more = rows.length > q.limit
  const visible = more ? rows.slice(0, q.limit) : rows
  const last = visible.at(-1)
  return {
    annotations: visible.map((r) => ({
      ...toAnnotation(r.annotation),
      image_id: r.imageId,
      model_name: r.modelName,
      model_version: r.modelVersion,
      analysis_created_at: r.analysisCreatedAt,
    })),
    next_cursor: more && last ? encodeCursor(SORT, [last.annotation.analysisId, last.rowid]) : null,
  }
}
