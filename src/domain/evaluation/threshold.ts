import type { EvaluationInput } from './columns'
import { type ObjectOutcomes, type ObjectRow, OUTCOME_FN, OUTCOME_FP, OUTCOME_TP } from './objects'
import { sortByScoreDesc } from './score-order'

/**
 * Precision, recall and F1 at a confidence threshold, recomputed from the stored per-object
 * outcomes without matching again: fast enough for every step of a slider in the browser (the
 * index sorts once; each threshold is one binary search per class). See docs/evaluation.md#live-threshold.
 *
 * Why no re-matching is needed: matching is greedy in descending score, so a detection's match
 * depends only on the detections scored above it. Dropping everything below a threshold leaves
 * every kept detection's TP/FP exactly as it was, and the ground truth those dropped true
 * positives had matched become misses.
 */

export interface ThresholdMatches {
  classNames: readonly string[]
  /** Per evaluated detection (tp or fp; ignored ones are left out): class index, score, and whether it is a true positive. */
  category: ArrayLike<number>
  score: ArrayLike<number>
  truePositive: ArrayLike<number | boolean>
  /** Per class: ground truth that counts (tp or fn, not ignored). */
  gtCount: ArrayLike<number>
}

export interface ThresholdIndex {
  classNames: readonly string[]
  /** Class k's detections are `score[start[k] .. start[k + 1])`, highest first. */
  start: Int32Array
  score: Float64Array
  /** True positives among the class's first j + 1 detections. */
  tpThrough: Int32Array
  gtCount: Int32Array
}

export interface CountsAt {
  tp: number
  fp: number
  fn: number
  /** null when nothing is predicted (precision) or nothing is there to find (recall). */
  precision: number | null
  recall: number | null
  f1: number | null
}

export interface ThresholdMetrics {
  threshold: number
  per_class: (CountsAt & { class_name: string })[]
  /** Micro-averaged: the counts of all classes summed. */
  overall: CountsAt
  /** Mean over the classes where each is defined. */
  macro: { precision: number | null; recall: number | null; f1: number | null }
}

export function thresholdIndex(m: ThresholdMatches): ThresholdIndex {
  const K = m.classNames.length
  const n = m.category.length
  const start = new Int32Array(K + 1)
  for (let i = 0; i < n; i++) start[m.category[i]! + 1]!++
  for (let k = 0; k < K; k++) start[k + 1]! += start[k]!
  const fill = start.slice()
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[fill[m.category[i]!]!++] = i
  for (let k = 0; k < K; k++) sortByScoreDesc(order.subarray(start[k]!, start[k + 1]!), start[k + 1]! - start[k]!, m.score)
  const score = new Float64Array(n)
  const tpThrough = new Int32Array(n)
  for (let k = 0; k < K; k++) {
    let tp = 0
    for (let j = start[k]!; j < start[k + 1]!; j++) {
      const i = order[j]!
      score[j] = m.score[i]!
      if (m.truePositive[i]) tp++
      tpThrough[j] = tp
    }
  }
  return { classNames: m.classNames, start, score, tpThrough, gtCount: Int32Array.from(m.gtCount) }
}

function countsAt(tp: number, fp: number, gt: number): CountsAt {
  const precision = tp + fp > 0 ? tp / (tp + fp) : null
  const recall = gt > 0 ? tp / gt : null
  const f1 = precision === null || recall === null ? null : precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
  return { tp, fp, fn: gt - tp, precision, recall, f1 }
}

const mean = (values: (number | null)[]) => {
  const defined = values.filter((v): v is number => v !== null)
  return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null
}

/** Detections with score >= threshold are kept. */
export function metricsAtThreshold(index: ThresholdIndex, threshold: number): ThresholdMetrics {
  const { start, score, tpThrough, gtCount } = index
  let tpAll = 0
  let fpAll = 0
  let gtAll = 0
  const per_class = index.classNames.map((class_name, k) => {
    let lo = start[k]!
    let hi = start[k + 1]!
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (score[mid]! >= threshold) lo = mid + 1
      else hi = mid
    }
    const kept = lo - start[k]!
    const tp = kept ? tpThrough[lo - 1]! : 0
    tpAll += tp
    fpAll += kept - tp
    gtAll += gtCount[k]!
    return { class_name, ...countsAt(tp, kept - tp, gtCount[k]!) }
  })
  return {
    threshold,
    per_class,
    overall: countsAt(tpAll, fpAll, gtAll),
    macro: { precision: mean(per_class.map((c) => c.precision)), recall: mean(per_class.map((c) => c.recall)), f1: mean(per_class.map((c) => c.f1)) },
  }
}

/** The threshold input of a fresh evaluation, straight from its columns. */
export function thresholdMatchesFromOutcomes(input: EvaluationInput, objects: ObjectOutcomes, classNames = input.classNames): ThresholdMatches {
  const d = objects.detections
  const keep: number[] = []
  for (let i = 0; i < d.status.length; i++) if (d.status[i] === OUTCOME_TP || d.status[i] === OUTCOME_FP) keep.push(i)
  const gtCount = new Array<number>(classNames.length).fill(0)
  const g = objects.groundTruth
  for (let i = 0; i < g.status.length; i++) if (g.status[i] === OUTCOME_TP || g.status[i] === OUTCOME_FN) gtCount[input.groundTruth.category[i]!]!++
  const category = new Int32Array(keep.length)
  const score = new Float64Array(keep.length)
  const truePositive = new Uint8Array(keep.length)
  keep.forEach((i, j) => {
    category[j] = input.detections.category[i]!
    score[j] = input.detections.score[i]!
    truePositive[j] = d.status[i] === OUTCOME_TP ? 1 : 0
  })
  return { classNames, category, score, truePositive, gtCount }
}

/** The threshold input from stored rows (what the viewer fetches), classes in first-seen order. */
export function thresholdMatchesFromRows(rows: Iterable<Pick<ObjectRow<unknown>, 'kind' | 'class_name' | 'score' | 'status'>>): ThresholdMatches {
  const classes = new Map<string, number>()
  const classOf = (name: string) => classes.get(name) ?? classes.set(name, classes.size).get(name)!
  const category: number[] = []
  const score: number[] = []
  const truePositive: number[] = []
  const gtCount: number[] = []
  for (const row of rows) {
    const k = classOf(row.class_name)
    while (gtCount.length <= k) gtCount.push(0)
    if (row.kind === 'ground_truth') {
      if (row.status === 'tp' || row.status === 'fn') gtCount[k]!++
    } else if (row.status === 'tp' || row.status === 'fp') {
      category.push(k)
      score.push(row.score ?? 0)
      truePositive.push(row.status === 'tp' ? 1 : 0)
    }
  }
  return { classNames: [...classes.keys()], category, score, truePositive, gtCount }
}

/** What `outcomeAtThreshold` reads of a stored object row. */
export interface JudgedRow<S extends string> {
  kind: string
  status: S
  score: number | null
  matched_score: number | null
}

/**
 * One stored object's outcome at `minScore`, by the rule above: a detection below it is left out
 * (null), and ground truth a dropped detection had matched becomes a miss; everything else
 * stands. The API's `min_score` reads and the viewer's image page both judge by this.
 */
export function outcomeAtThreshold<S extends string>(o: JudgedRow<S>, minScore: number): S | 'fn' | null {
  if (o.kind === 'detection') return o.score !== null && o.score < minScore ? null : o.status
  if (o.status === 'tp' && o.matched_score !== null && o.matched_score < minScore) return 'fn'
  return o.status
}
