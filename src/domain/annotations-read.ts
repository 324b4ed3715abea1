import type { z } from 'zod'
import { annotationPage, countWhere, type AnnotationWhere } from '../db/annotation-sql'
import { AppError } from '../errors'
import type { Analysis, AnnotationListQuery } from '../schemas/analyses'

type Query = z.infer<typeof AnnotationListQuery>

const encodeCursor = (rowid: number) => btoa(`r:${rowid}`).replace(/=+$/, '')

function decodeCursor(cursor: string): number {
  try {
    const m = /^r:(\d+)$/.exec(atob(cursor))
    if (m) return Number(m[1])
  } catch {
    // fall through to the error below
  }
  throw new AppError(400, 'validation_error', 'cursor is not one this API handed out', { path: ['cursor'] })
}

function filters(analysisId: string, q: Partial<Query>): AnnotationWhere {
  const where = ['analysis_id = ?']
  const params: unknown[] = [analysisId]
  if (q.annotation_type) (where.push('annotation_type = ?'), params.push(q.annotation_type))
  if (q.class_name) (where.push('class_name = ?'), params.push(q.class_name))
  if (q.min_confidence !== undefined) (where.push('confidence >= ?'), params.push(q.min_confidence))
  if (q.review_state) (where.push('review_state = ?'), params.push(q.review_state))
  return { sql: where.join(' AND '), params }
}

/**
 * Pages in insertion order. A cursor (the row id) is stable while the pipeline keeps appending;
 * skip/limit is there for clients written against docs/ML_PIPELINE_INTEGRATION.md's pagination.
 */
export async function listAnnotations(d1: D1Database, analysisId: string, q: Query) {
  if (q.cursor && q.skip !== undefined) throw new AppError(400, 'validation_error', 'give cursor or skip, not both')
  const where = filters(analysisId, q)
  const after = q.cursor ? decodeCursor(q.cursor) : 0
  const [page, total] = await Promise.all([annotationPage(d1, where, after, q.limit + 1, q.skip ?? 0), countWhere(d1, where)])
  const more = page.rows.length > q.limit
  const visible = more ? page.rows.slice(0, q.limit) : page.rows
  return {
    annotations: visible,
    total,
    next_cursor: more ? encodeCursor(page.rowids[q.limit - 1]!) : null,
  }
}

const STREAM_PAGE = 1000

/**
 * `{...analysis, "annotations": [...]}` written page by page, so a large set never sits in the
 * Worker's memory at once.
 */
export function streamAnalysisWithAnnotations(d1: D1Database, analysis: Analysis): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const where = { sql: 'analysis_id = ?', params: [analysis.id] }
  let after = 0
  let first = true
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const head = JSON.stringify(analysis)
      controller.enqueue(encoder.encode(`${head.slice(0, -1)},"annotations":[`))
    },
    async pull(controller) {
      const page = await annotationPage(d1, where, after, STREAM_PAGE)
      if (page.rows.length) {
        after = page.lastRowid
        controller.enqueue(encoder.encode((first ? '' : ',') + page.rows.map((a) => JSON.stringify(a)).join(',')))
        first = false
      }
      if (page.rows.length < STREAM_PAGE) {
        controller.enqueue(encoder.encode(']}'))
        controller.close()
      }
    },
  })
}
