import { and, asc, count, desc, eq, gte, inArray, isNull, lt, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { Database } from '../../db/client'
import { analyses, annotations } from '../../db/schema'
import type { ProjectAnalysisQuery } from '../../schemas/search'
import { toAnalysis } from '../serialize'
import { decodeCursor, encodeCursor, type CursorKey } from './cursor'

/**
 * A project's analyses, filtered and sorted (docs/search.md#analyses). Pages by keyset on
 * (sort key, id), so each page costs the same however deep it is, and rows written meanwhile
 * neither repeat nor go missing.
 */

const durationMs = sql<number | null>`(julianday(${analyses.completedAt}) - julianday(${analyses.startedAt})) * 86400000.0`

/**
 * Each sort's key: the column the page is ordered by, and the expression the cursor compares.
 * Unfinished analyses have no completion time or duration; SQLite orders NULL lowest (last when
 * descending), and the cursor compares them as a sentinel just as low, so both agree.
 */
const SORT_KEYS: Record<ProjectAnalysisQuery['sort'], { order: SQLWrapper; compare: SQLWrapper }> = {
  created_at: { order: analyses.createdAt, compare: analyses.createdAt },
  completed_at: { order: analyses.completedAt, compare: sql`coalesce(${analyses.completedAt}, '')` },
  duration: { order: durationMs, compare: sql`coalesce(${durationMs}, -1)` },
  annotation_count: { order: analyses.annotationCount, compare: analyses.annotationCount },
}

/** One annotation of the analysis matches every annotation filter given (class, confidence, review). */
function annotationFilter(q: ProjectAnalysisQuery): SQL | undefined {
  const match: SQL[] = []
  if (q.has_class !== undefined) match.push(eq(annotations.className, q.has_class))
  if (q.min_confidence !== undefined) match.push(gte(annotations.confidence, q.min_confidence))
  if (q.review_state !== undefined) match.push(eq(annotations.reviewState, q.review_state))
  if (!match.length) return undefined
  return sql`exists (select 1 from ${annotations} where ${annotations.analysisId} = ${analyses.id} and ${and(...match)})`
}

function filters(projectId: string, q: ProjectAnalysisQuery): SQL[] {
  const where: SQL[] = [eq(analyses.projectId, projectId), isNull(analyses.deletedAt)]
  if (q.status) where.push(q.status.length === 1 ? eq(analyses.status, q.status[0]!) : inArray(analyses.status, q.status))
  if (q.model_name) where.push(eq(analyses.modelName, q.model_name))
  if (q.model_version) where.push(eq(analyses.modelVersion, q.model_version))
  if (q.group_id) where.push(eq(analyses.groupId, q.group_id))
  if (q.created_after) where.push(gte(analyses.createdAt, q.created_after))
  if (q.created_before) where.push(lt(analyses.createdAt, q.created_before))
  if (q.completed_after) where.push(gte(analyses.completedAt, q.completed_after))
  if (q.completed_before) where.push(lt(analyses.completedAt, q.completed_before))
  const byAnnotation = annotationFilter(q)
  if (byAnnotation) where.push(byAnnotation)
  return where
}

/** Rows strictly after the cursor's row in the page order. */
function after(key: SQLWrapper, order: 'asc' | 'desc', [value, id]: CursorKey[]): SQL {
  const past = order === 'desc' ? sql`<` : sql`>`
  return or(sql`${key} ${past} ${value}`, and(sql`${key} = ${value}`, sql`${analyses.id} ${past} ${id}`))!
}

export async function searchProjectAnalyses(db: Database, user: CurrentUser, projectId: string, q: ProjectAnalysisQuery) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const key = SORT_KEYS[q.sort]
  const where = filters(projectId, q)
  const page = q.cursor ? [...where, after(key.compare, q.order, decodeCursor(q.cursor, `${q.sort}:${q.order}`, 2))] : where
  const direction = q.order === 'desc' ? desc : asc
  const [rows, total] = await Promise.all([
    db
      .select({ analysis: analyses, key: sql<CursorKey>`${key.compare}`, durationMs })
      .from(analyses)
      .where(and(...page))
      .orderBy(direction(sql`${key.order}`), direction(analyses.id))
      .limit(q.limit + 1),
    q.with_total ? db.select({ n: count() }).from(analyses).where(and(...where)).get() : undefined,
  ])
  const more = rows.length > q.limit
  const visible = more ? rows.slice(0, q.limit) : rows
  const last = visible.at(-1)
  return {
    analyses: visible.map((r) => ({ ...toAnalysis(r.analysis), duration_ms: r.durationMs === null ? null : Math.round(r.durationMs) })),
    next_cursor: more && last ? encodeCursor(`${q.sort}:${q.order}`, [last.key, last.analysis.id]) : null,
    total: total ? total.n : null,
  }
}
