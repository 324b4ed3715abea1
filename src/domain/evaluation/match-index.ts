import type { ThresholdIndex } from './threshold'

/**
 * The live-threshold index as JSON, for the viewer to fetch once: each class's detection scores
 * sorted highest first, and whether each is a true positive, one character per detection. The
 * browser rebuilds the index without sorting and calls `metricsAtThreshold` on every slider step.
 * See docs/evaluation.md#live-threshold.
 */
export interface MatchIndexJson {
  class_names: string[]
  gt_count: number[]
  start: number[]
  scores: number[]
  /** '1' for a true positive, '0' for a false positive, in the order of `scores`. */
  tp: string
}

export function encodeMatchIndex(index: ThresholdIndex): MatchIndexJson {
  const n = index.score.length
  const tp = new Array<string>(n)
  for (let k = 0; k + 1 < index.start.length; k++) {
    let before = 0
    for (let j = index.start[k]!; j < index.start[k + 1]!; j++) {
      tp[j] = index.tpThrough[j]! > before ? '1' : '0'
      before = index.tpThrough[j]!
    }
  }
  return { class_names: [...index.classNames], gt_count: Array.from(index.gtCount), start: Array.from(index.start), scores: Array.from(index.score), tp: tp.join('') }
}

export function decodeMatchIndex(json: MatchIndexJson): ThresholdIndex {
  const n = json.scores.length
  if (json.tp.length !== n || json.start.length !== json.class_names.length + 1 || json.start.at(-1) !== n) {
    throw new Error('match index: lengths do not agree')
  }
  const tpThrough = new Int32Array(n)
  for (let k = 0; k < json.class_names.length; k++) {
    let tp = 0
    for (let j = json.start[k]!; j < json.start[k + 1]!; j++) {
      if (json.tp.charCodeAt(j) === 49) tp++
      tpThrough[j] = tp
    }
  }
  return {
    classNames: json.class_names,
    start: Int32Array.from(json.start),
    score: Float64Array.from(json.scores),
    tpThrough,
    gtCount: Int32Array.from(json.gt_count),
  }
}
