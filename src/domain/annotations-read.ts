import type { z } from 'zod'
import { AppError } from '../errors'
import type { Analysis, AnnotationListQuery } from '../schemas/analyses'
import { ANNOTATION_COLUMNS } from './annotations-bulk'
import { annotationFromRaw } from './serialize'

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

function filters(analysisId: string, q: Partial<Query>) {
  const where = ['analysis_id = ?']
  const params: unknown[] = [analysisId]
  if (q.annotation_type) (where.push('annotation_type = ?'), params.push(q.annotation_type))
  if (q.class_name) (where.push('class_name = ?'), params.push(q.class_name))
  if (q.min_confidence !== undefined) (where.push('confidence >= ?'), params.push(q.min_confidence))
  if (q.review_state) (where.push('review_state = ?'), params.push(q.review_state))
  return { where: where.join(' AND '), params }
}

/**
 * Pages in insertion order. A cursor (the row id) is stable while the pipeline keeps appending;
 * skip/limit is there for the guide's clients.
 */
export async function listAnnotations(d1: D1Database, analysisId: string, q: Query) {
  if (q.cursor && q.skip !== undefined) throw new AppError(400, 'validation_error', 'give cursor or skip, not both')
  const f = filters(analysisId, q)
  const after = q.cursor ? decodeCursor(q.cursor) : null
  const pageWhere = after === null ? f.where : `${f.where} AND rowid > ?`
  const pageParams = after === null ? f.params : [...f.params, after]
  const [page, total] = await d1.batch<Record<string, unknown>>([
    d1
      .prepare(`SELECT rowid AS _rowid, ${ANNOTATION_COLUMNS} FROM annotations WHERE ${pageWhere} ORDER BY rowid LIMIT ? OFFSET ?`)
      .bind(...pageParams, q.limit + 1, q.skip ?? 0),
    d1.prepare(`SELECT count(*) AS n FROM annotations WHERE ${f.where}`).bind(...f.params),
  ])
  const rows = page!.results
  const more = rows.length > q.limit
  const visible = more ? rows.slice(0, q.limit) : rows
  return {
    annotations: visible.map(annotationFromRaw),
    total: Number(total!.results[0]!.n),
    next_cursor: more ? encodeCursor(Number(visible.at(-1)!._rowid)) : null,
  }
}

const STREAM_PAGE = 1000

/**
 * `{...analysis, "annotations": [...]}` written page by page, so a large set never sits in the
 * Worker's memory at once.
 */
export function streamAnalysisWithAnnotations(d1: D1Database, analysis: Analysis): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after = 0
  let first = true
  let done = false
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const head = JSON.stringify(analysis)
      controller.enqueue(encoder.encode(`${head.slice(0, -1)},"annotations":[`))
    },
    async pull(controller) {
      if (done) return
      const { results } = await d1
        .prepare(`SELECT rowid AS _rowid, ${ANNOTATION_COLUMNS} FROM annotations WHERE analysis_id = ? AND rowid > ? ORDER BY rowid LIMIT ?`)
        .bind(analysis.id, after, STREAM_PAGE)
        .all<Record<string, unknown>>()
      if (results.length) {
        after = Number(results.at(-1)!._rowid)
        const body = results.map((r) => JSON.stringify(annotationFromRaw(r))).join(',')
        controller.enqueue(encoder.encode((first ? '' : ',') + body))
        first = false
      }
      if (results.length < STREAM_PAGE) {
        done = true
        controller.enqueue(encoder.encode(']}'))
        controller.close()
      }
    },
  })
}
