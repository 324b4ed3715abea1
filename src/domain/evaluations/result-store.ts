import type { EvaluationObject } from '../../schemas/evaluations'
import { R2Appender } from '../../storage/r2-appender'
import { BACKGROUND, encodeMatchIndex, type Evaluation, NOT_IN_MATRIX, OUTCOME_FN, OUTCOME_FP, OUTCOME_IGNORED, OUTCOME_NAMES, OUTCOME_TP, thresholdIndex, thresholdMatchesFromOutcomes } from '../evaluation'
import { type BuiltInput, SOURCE_IMPORT } from './build-input'

/**
 * An evaluation's result in R2, under `evaluations/{id}/`: the summary, the live-threshold index,
 * and every object's outcome twice, once ordered by image and once by confusion-matrix cell, each
 * with an index of byte ranges so a request reads only the image or the page of a cell it shows.
 * See docs/evaluation.md#stored-results.
 */

export const resultPrefix = (id: string) => `evaluations/${id}/`
export const CELL_PAGE_ROWS = 500

export interface ImageIndexEntry {
  image_id: string
  filename: string
  offset: number
  length: number
  tp: number
  fp: number
  fn: number
  ignored: number
}

export interface CellIndexEntry {
  true_class: string
  predicted_class: string
  count: number
  /** Byte offset of each page's first row, then the end of the cell's last row. */
  pages: number[]
}

const JSON_TYPE = 'application/json'
const NDJSON_TYPE = 'application/x-ndjson'

/** Rows of one built and evaluated input, and the cell each object is listed under (-1: none). */
function rowMaker(built: BuiltInput, result: Evaluation) {
  const { input, gtIds, dtIds, gtSource, dtRejected, images } = built
  const { detections: d, groundTruth: g } = result.objects
  const names = input.classNames
  const K = names.length
  const gtCat = input.groundTruth.category
  const dtCat = input.detections.category
  const nullable = (v: number) => (Number.isNaN(v) ? null : v)
  const detection = (i: number): EvaluationObject => {
    const c = d.confusion[i]!
    const status = d.status[i]!
    return {
      kind: 'detection',
      id: dtIds.get(i),
      image_id: images[input.detections.image[i]!]!.id,
      class_name: names[dtCat[i]!]!,
      score: input.detections.score[i]!,
      status: OUTCOME_NAMES[status]!,
      matched_id: d.gt[i]! >= 0 ? gtIds.get(d.gt[i]!) : null,
      iou: nullable(d.iou[i]!),
      max_iou: d.maxIou[i]!,
      matched_score: null,
      cell: c === NOT_IN_MATRIX ? null : [c === BACKGROUND ? 'background' : names[gtCat[c]!]!, names[dtCat[i]!]!],
      paired_id: c >= 0 ? gtIds.get(c) : null,
      source: 'prediction',
      known_false_positive: status === OUTCOME_FP && dtRejected[i] === 1,
    }
  }
  const groundTruth = (i: number): EvaluationObject => {
    const c = g.confusion[i]!
    return {
      kind: 'ground_truth',
      id: gtIds.get(i),
      image_id: images[input.groundTruth.image[i]!]!.id,
      class_name: names[gtCat[i]!]!,
      score: null,
      status: OUTCOME_NAMES[g.status[i]!]!,
      matched_id: g.dt[i]! >= 0 ? dtIds.get(g.dt[i]!) : null,
      iou: nullable(g.iou[i]!),
      max_iou: null,
      matched_score: g.dt[i]! >= 0 ? input.detections.score[g.dt[i]!]! : null,
      cell: c === NOT_IN_MATRIX ? null : [names[gtCat[i]!]!, c === BACKGROUND ? 'background' : names[dtCat[c]!]!],
      paired_id: c >= 0 ? dtIds.get(c) : null,
      source: gtSource[i] === SOURCE_IMPORT ? 'import' : 'review',
      known_false_positive: false,
    }
  }
  // A pair is listed once, by its detection; ground truth is listed alone only as a miss.
  const dtCell = (i: number) => {
    const c = d.confusion[i]!
    return c === NOT_IN_MATRIX ? -1 : (c === BACKGROUND ? K : gtCat[c]!) * (K + 1) + dtCat[i]!
  }
  const gtCell = (i: number) => (g.confusion[i] === BACKGROUND ? gtCat[i]! * (K + 1) + K : -1)
  return { detection, groundTruth, dtCell, gtCell, K }
}

/** Indices 0..n-1 grouped by key (0..keys-1), stable: a counting sort. */
function groupBy(n: number, keys: number, key: (i: number) => number) {
  const start = new Int32Array(keys + 1)
  for (let i = 0; i < n; i++) {
    const k = key(i)
    if (k >= 0) start[k + 1]!++
  }
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!
  const fill = start.slice(0, keys)
  const order = new Int32Array(start[keys]!)
  for (let i = 0; i < n; i++) {
    const k = key(i)
    if (k >= 0) order[fill[k]!++] = i
  }
  return { start, order }
}

export async function writeResult(bucket: R2Bucket, id: string, built: BuiltInput, result: Evaluation): Promise<void> {
  const prefix = resultPrefix(id)
  const { input } = built
  const rows = rowMaker(built, result)
  const { detections: d, groundTruth: g } = result.objects

  await bucket.put(`${prefix}result.json`, JSON.stringify(result.summary), { httpMetadata: { contentType: JSON_TYPE } })
  const index = thresholdIndex(thresholdMatchesFromOutcomes(input, result.objects))
  await bucket.put(`${prefix}matches.json`, JSON.stringify({ evaluation_id: id, ...encodeMatchIndex(index) }), { httpMetadata: { contentType: JSON_TYPE } })

  const imageCount = built.images.length
  const dtByImage = groupBy(input.detections.count, imageCount, (i) => input.detections.image[i]!)
  const gtByImage = groupBy(input.groundTruth.count, imageCount, (i) => input.groundTruth.image[i]!)
  const byImage = new R2Appender(bucket, `${prefix}objects-by-image.ndjson`, NDJSON_TYPE)
  const entries: ImageIndexEntry[] = []
  try {
    for (let im = 0; im < imageCount; im++) {
      const entry: ImageIndexEntry = { image_id: built.images[im]!.id, filename: built.images[im]!.filename, offset: byImage.offset, length: 0, tp: 0, fp: 0, fn: 0, ignored: 0 }
      let text = ''
      for (let j = dtByImage.start[im]!; j < dtByImage.start[im + 1]!; j++) {
        const i = dtByImage.order[j]!
        const s = d.status[i]!
        if (s === OUTCOME_TP) entry.tp++
        else if (s === OUTCOME_FP) entry.fp++
        else if (s === OUTCOME_IGNORED) entry.ignored++
        text += JSON.stringify(rows.detection(i)) + '\n'
      }
      for (let j = gtByImage.start[im]!; j < gtByImage.start[im + 1]!; j++) {
        const i = gtByImage.order[j]!
        const s = g.status[i]!
        if (s === OUTCOME_FN) entry.fn++
        else if (s === OUTCOME_IGNORED) entry.ignored++
        text += JSON.stringify(rows.groundTruth(i)) + '\n'
      }
      await byImage.write(text)
      entry.length = byImage.offset - entry.offset
      entries.push(entry)
    }
    await byImage.close()
  } catch (err) {
    await byImage.abort()
    throw err
  }
  await bucket.put(`${prefix}image-index.json`, JSON.stringify(entries), { httpMetadata: { contentType: JSON_TYPE } })

  const cells = (rows.K + 1) * (rows.K + 1)
  const dtByCell = groupBy(input.detections.count, cells, rows.dtCell)
  const gtByCell = groupBy(input.groundTruth.count, cells, rows.gtCell)
  const byCell = new R2Appender(bucket, `${prefix}objects-by-cell.ndjson`, NDJSON_TYPE)
  const cellEntries: CellIndexEntry[] = []
  const labels = [...input.classNames, 'background']
  try {
    for (let cell = 0; cell < cells; cell++) {
      const members = [
        ...Array.from(dtByCell.order.subarray(dtByCell.start[cell]!, dtByCell.start[cell + 1]!), (i) => () => rows.detection(i)),
        ...Array.from(gtByCell.order.subarray(gtByCell.start[cell]!, gtByCell.start[cell + 1]!), (i) => () => rows.groundTruth(i)),
      ]
      if (!members.length) continue
      const entry: CellIndexEntry = { true_class: labels[Math.floor(cell / (rows.K + 1))]!, predicted_class: labels[cell % (rows.K + 1)]!, count: members.length, pages: [] }
      for (let p = 0; p < members.length; p += CELL_PAGE_ROWS) {
        entry.pages.push(byCell.offset)
        await byCell.write(members.slice(p, p + CELL_PAGE_ROWS).map((row) => JSON.stringify(row()) + '\n').join(''))
      }
      entry.pages.push(byCell.offset)
      cellEntries.push(entry)
    }
    await byCell.close()
  } catch (err) {
    await byCell.abort()
    throw err
  }
  await bucket.put(`${prefix}cell-index.json`, JSON.stringify(cellEntries), { httpMetadata: { contentType: JSON_TYPE } })
}

/** Everything stored for an evaluation, for its delete. */
export async function deleteResult(bucket: R2Bucket, id: string): Promise<void> {
  const prefix = resultPrefix(id)
  for (let cursor: string | undefined; ; ) {
    const listed = await bucket.list({ prefix, cursor })
    if (listed.objects.length) await bucket.delete(listed.objects.map((o) => o.key))
    if (!listed.truncated) return
    cursor = listed.cursor
  }
}

export async function readJson<T>(bucket: R2Bucket, key: string): Promise<T | null> {
  const object = await bucket.get(key)
  return object ? ((await object.json()) as T) : null
}

/** NDJSON rows of one byte range. */
export async function readRows(bucket: R2Bucket, key: string, offset: number, length: number): Promise<EvaluationObject[]> {
  if (length <= 0) return []
  const object = await bucket.get(key, { range: { offset, length } })
  if (!object) return []
  const text = await object.text()
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EvaluationObject)
}
