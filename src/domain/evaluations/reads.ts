import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import type { Database } from '../../db/client'
import { AppError, notFound } from '../../errors'
import type { EvaluationCellQuery, EvaluationImageQuery, EvaluationObject, EvaluationObjectQuery } from '../../schemas/evaluations'
import type { EvaluationSummary } from '../evaluation'
import { outcomeAtThreshold } from '../evaluation/threshold'
import { getEvaluation, evaluationForUser } from './records'
import { CELL_PAGE_ROWS, type CellIndexEntry, type ImageIndexEntry, readJson, readRows, resultPrefix } from './result-store'

/** Reads of a completed evaluation's stored result: per image, per confusion-matrix cell, the match index. */

async function completed(db: Database, user: CurrentUser, id: string) {
  const row = await evaluationForUser(db, user, id)
  if (row.status !== 'completed') throw new AppError(409, 'conflict', `The evaluation is ${row.status}; its objects are there once it completes`)
  return row
}

async function imageIndex(bucket: R2Bucket, id: string) {
  const entries = await readJson<ImageIndexEntry[]>(bucket, `${resultPrefix(id)}image-index.json`)
  if (!entries) throw notFound('Evaluation result')
  return entries
}

const SORTS: Record<z.infer<typeof EvaluationImageQuery>['sort'], (a: ImageIndexEntry, b: ImageIndexEntry) => number> = {
  errors: (a, b) => b.fp + b.fn - (a.fp + a.fn) || a.filename.localeCompare(b.filename),
  fp: (a, b) => b.fp - a.fp || a.filename.localeCompare(b.filename),
  fn: (a, b) => b.fn - a.fn || a.filename.localeCompare(b.filename),
  tp: (a, b) => b.tp - a.tp || a.filename.localeCompare(b.filename),
  name: (a, b) => a.filename.localeCompare(b.filename),
}

/** The evaluated images with their TP, FP and FN counts, most errors first by default. */
export async function evaluationImages(db: Database, bucket: R2Bucket, user: CurrentUser, id: string, q: z.infer<typeof EvaluationImageQuery>) {
  await completed(db, user, id)
  const entries = (await imageIndex(bucket, id)).sort(SORTS[q.sort])
  return {
    images: entries.slice(q.skip, q.skip + q.limit).map(({ offset: _o, length: _l, ...e }) => e),
    total: entries.length,
    skip: q.skip,
    limit: q.limit,
  }
}

/** Every object of one image with its outcome: what the image page draws. */
export async function evaluationImageObjects(db: Database, bucket: R2Bucket, user: CurrentUser, id: string, imageId: string) {
  await completed(db, user, id)
  const entry = (await imageIndex(bucket, id)).find((e) => e.image_id === imageId)
  if (!entry) throw notFound('Image in this evaluation')
  return { evaluation_id: id, image_id: imageId, objects: await readRows(bucket, `${resultPrefix(id)}objects-by-image.ndjson`, entry.offset, entry.length) }
}

/** One page of the objects counted in one confusion-matrix cell. */
export async function evaluationCell(db: Database, bucket: R2Bucket, user: CurrentUser, id: string, q: z.infer<typeof EvaluationCellQuery>) {
  await completed(db, user, id)
  const cells = await readJson<CellIndexEntry[]>(bucket, `${resultPrefix(id)}cell-index.json`)
  if (!cells) throw notFound('Evaluation result')
  const cell = cells.find((c) => c.true_class === q.true_class && c.predicted_class === q.predicted_class)
  const pages = cell ? cell.pages.length - 1 : 0
  const base = { true_class: q.true_class, predicted_class: q.predicted_class, count: cell?.count ?? 0, page: q.page, pages }
  if (!cell || q.page >= pages) return { ...base, objects: [] }
  const from = cell.pages[q.page]!
  const objects = await readRows(bucket, `${resultPrefix(id)}objects-by-cell.ndjson`, from, cell.pages[q.page + 1]! - from)
  return { ...base, objects: objects.slice(0, CELL_PAGE_ROWS) }
}

// One page reads at most this much of the stored objects, so a filter that matches little stays one bounded request.
const SCAN_BYTES = 1024 * 1024

/** An object's outcome once detections below `minScore` are dropped, or null when it is itself dropped. */
function atThreshold(o: EvaluationObject, minScore: number | undefined): EvaluationObject | null {
  if (minScore === undefined) return o
  const status = outcomeAtThreshold(o, minScore)
  if (status === null) return null
  return status === o.status ? o : { ...o, status, matched_id: null, iou: null, matched_score: null }
}

/**
 * Objects across the evaluation by outcome, class, kind or image, judged at a confidence threshold
 * when one is given: "the false positives at 0.6". Pages walk the stored rows by byte offset.
 */
export async function evaluationObjects(db: Database, bucket: R2Bucket, user: CurrentUser, id: string, q: z.infer<typeof EvaluationObjectQuery>) {
  await completed(db, user, id)
  const key = `${resultPrefix(id)}objects-by-image.ndjson`
  let end: number
  if (q.image_id) {
    const entry = (await imageIndex(bucket, id)).find((e) => e.image_id === q.image_id)
    if (!entry) throw notFound('Image in this evaluation')
    end = entry.offset + entry.length
    if (q.cursor < entry.offset) q = { ...q, cursor: entry.offset }
  } else {
    const head = await bucket.head(key)
    if (!head) throw notFound('Evaluation result')
    end = head.size
  }
  const objects: EvaluationObject[] = []
  const decoder = new TextDecoder()
  let at = q.cursor
  let scanned = 0
  while (at < end && objects.length < q.limit) {
    const object = await bucket.get(key, { range: { offset: at, length: Math.min(SCAN_BYTES, end - at) } })
    if (!object) throw notFound('Evaluation result')
    const bytes = new Uint8Array(await object.arrayBuffer())
    // Only whole lines: the last, cut by the range, is read again by the next page.
    let lineStart = 0
    for (let i = 0; i < bytes.length && objects.length < q.limit; i++) {
      if (bytes[i] !== 10) continue
      const row = atThreshold(JSON.parse(decoder.decode(bytes.subarray(lineStart, i))) as EvaluationObject, q.min_score)
      lineStart = i + 1
      scanned++
      if (!row) continue
      if (q.status && row.status !== q.status) continue
      if (q.kind && row.kind !== q.kind) continue
      if (q.class_name && row.class_name !== q.class_name) continue
      if (q.known_false_positive !== undefined && row.known_false_positive !== (q.known_false_positive === 'true')) continue
      objects.push(row)
    }
    if (lineStart === 0) throw new Error(`evaluation ${id}: a stored row is longer than ${SCAN_BYTES} bytes`)
    at += lineStart
    if (scanned >= 50_000) break
  }
  return { objects, next_cursor: at < end ? at : null, scanned }
}

/** The live-threshold index as stored: streamed through untouched, so even a large one costs no parse. */
export async function evaluationMatches(db: Database, bucket: R2Bucket, user: CurrentUser, id: string): Promise<ReadableStream> {
  await completed(db, user, id)
  const object = await bucket.get(`${resultPrefix(id)}matches.json`)
  if (!object) throw notFound('Evaluation result')
  return object.body
}

const delta = (a: number, b: number) => (a < 0 || b < 0 ? null : b - a)

/** Two evaluations side by side: every stat, and per class, with what makes them hard to compare. */
export async function compareEvaluations(db: Database, bucket: R2Bucket, user: CurrentUser, aId: string, bId: string) {
  const [a, b] = await Promise.all([getEvaluation(db, bucket, user, aId), getEvaluation(db, bucket, user, bId)])
  for (const e of [a, b]) if (e.status !== 'completed' || !e.result) throw new AppError(409, 'conflict', `Evaluation ${e.id} is ${e.status}`)
  const ra = a.result as EvaluationSummary
  const rb = b.result as EvaluationSummary
  const warnings: string[] = []
  if (a.project_id !== b.project_id) warnings.push('The evaluations belong to different projects')
  if (a.iou_type !== b.iou_type) warnings.push(`IoU types differ: ${a.iou_type} and ${b.iou_type}`)
  if (a.ground_truth.source !== b.ground_truth.source || a.ground_truth.import_id !== b.ground_truth.import_id) warnings.push('They were judged against different ground truth')
  if (ra.counts.images !== rb.counts.images) warnings.push(`They cover different images: ${ra.counts.images} and ${rb.counts.images}`)
  if (JSON.stringify(ra.params) !== JSON.stringify(rb.params)) warnings.push('Their parameters differ (thresholds, maxDets, area ranges or matching)')
  const stats = ra.stat_names.map((name, i) => ({ name, a: ra.stats[i]!, b: rb.stats[i] ?? -1, delta: delta(ra.stats[i]!, rb.stats[i] ?? -1) }))
  const names = [...new Set([...ra.per_class.map((c) => c.class_name), ...rb.per_class.map((c) => c.class_name)])]
  const strip = <T extends { class_name: string }>(c: T | undefined) => {
    if (!c) return null
    const { class_name: _n, ...rest } = c
    return rest
  }
  const per_class = names.map((class_name) => {
    const ca = ra.per_class.find((c) => c.class_name === class_name)
    const cb = rb.per_class.find((c) => c.class_name === class_name)
    return { class_name, a: strip(ca), b: strip(cb), delta_ap: ca && cb ? delta(ca.ap, cb.ap) : null }
  })
  const { result: _ra, ...sa } = a
  const { result: _rb, ...sb } = b
  return { a: sa, b: sb, stats, per_class, warnings }
}
