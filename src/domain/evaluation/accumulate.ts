import { FALSE_POSITIVE, TRUE_POSITIVE } from './matching'
import type { EvaluationParams } from './params'
import { sortByScoreDesc } from './score-order'

/**
 * COCOeval.accumulate, one category (block) at a time, so that only that category's matches are
 * ever held. Instead of the T×R×K×A×M precision array it keeps, per (threshold, category, area,
 * maxDets), the sum over recall points of the precision and the recall: that is all summarize()
 * and the per-class numbers read. The full 101-point curves are kept only where they are reported.
 * See docs/evaluation.md#accumulation.
 */
export interface Accumulation {
  T: number
  K: number
  A: number
  M: number
  /** Σ over recall points of precision, at `index(t, k, a, m)`; meaningless where `defined` is 0. */
  precisionSum: Float64Array
  /** Recall at `index(t, k, a, m)`, -1 where undefined. */
  recall: Float64Array
  /** 1 where (k, a) has any ground truth or detection and at least one non-ignored ground truth. */
  defined: Uint8Array
  /** Precision and score at each recall point for the reported curves: `curve(c, k)` offsets. */
  curvePrecision: Float64Array
  curveScore: Float64Array
  curveDefined: Uint8Array
  curves: readonly { t: number; a: number; m: number }[]
}

export const accIndex = (acc: Accumulation, t: number, k: number, a: number, m: number) => ((a * acc.M + m) * acc.K + k) * acc.T + t

export function createAccumulation(params: EvaluationParams, K: number, curves: readonly { t: number; a: number; m: number }[]): Accumulation {
  const T = params.iouThresholds.length
  const A = params.areaRanges.length
  const M = params.maxDets.length
  const R = params.recallThresholds.length
  return {
    T,
    K,
    A,
    M,
    precisionSum: new Float64Array(T * K * A * M),
    recall: new Float64Array(T * K * A * M).fill(-1),
    defined: new Uint8Array(K * A),
    curvePrecision: new Float64Array(curves.length * K * R).fill(-1),
    curveScore: new Float64Array(curves.length * K * R).fill(-1),
    curveDefined: new Uint8Array(curves.length * K),
    curves,
  }
}

/** One category's detections, in the order accumulate() concatenates them: image by image, each by rank. */
export interface BlockDetections {
  count: number
  score: Float64Array
  /** Rank within its image (and category), for the maxDets cut. */
  rank: Int32Array
  /** Outcome codes at `(a * T + t) * count + position`. */
  codes: Uint8Array
  /** Non-ignored ground truth per area range. */
  npig: Float64Array
}

/** numpy.searchsorted(values, x, side='left') over `values[0 .. n)`. */
function searchLeft(values: Float64Array, n: number, x: number): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export interface AccumulateScratch {
  order: Int32Array
  included: Int32Array
  rc: Float64Array
  pr: Float64Array
  q: Float64Array
  ss: Float64Array
}

export const accumulateScratch = (maxCount: number, R: number): AccumulateScratch => ({
  order: new Int32Array(maxCount),
  included: new Int32Array(maxCount),
  rc: new Float64Array(maxCount),
  pr: new Float64Array(maxCount),
  q: new Float64Array(R),
  ss: new Float64Array(R),
})

export function accumulateBlock(acc: Accumulation, params: EvaluationParams, k: number, block: BlockDetections, scratch: AccumulateScratch): void {
  const { T, A, M } = acc
  const { recallThresholds: recThrs, maxDets } = params
  const R = recThrs.length
  const n = block.count
  const { order, included, rc, pr, q, ss } = scratch
  const { score, rank, codes } = block

  // numpy's mergesort on -score: score descending, ties in concatenation order (image, then rank).
  for (let i = 0; i < n; i++) order[i] = i
  sortByScoreDesc(order, n, score)
  let ascending = true
  for (let r = 1; r < R; r++) if (recThrs[r]! < recThrs[r - 1]!) ascending = false

  for (let a = 0; a < A; a++) {
    const npig = block.npig[a]!
    // pycocotools skips the category for this area (precision and recall stay -1) when it has no
    // non-ignored ground truth: a detections-only class is left out of every mean.
    if (npig === 0) continue
    acc.defined[k * A + a] = 1
    let previousNd = -1
    for (let m = 0; m < M; m++) {
      const maxDet = maxDets[m]!
      // Cutting a stably sorted list to rank < maxDet equals sorting the cut lists, as pycocotools does.
      let nd = 0
      for (let i = 0; i < n; i++) if (rank[order[i]!]! < maxDet) included[nd++] = order[i]!
      // maxDets ascend, so an equal count means the same detections (no image had more than the
      // smaller cut): every number of this cut equals the previous one's.
      if (nd === previousNd && !acc.curves.some((c) => c.a === a && c.m === m)) {
        for (let t = 0; t < T; t++) {
          acc.recall[accIndex(acc, t, k, a, m)] = acc.recall[accIndex(acc, t, k, a, m - 1)]!
          acc.precisionSum[accIndex(acc, t, k, a, m)] = acc.precisionSum[accIndex(acc, t, k, a, m - 1)]!
        }
        continue
      }
      previousNd = nd
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * n
        let tp = 0
        let fp = 0
        for (let i = 0; i < nd; i++) {
          const c = codes[base + included[i]!]!
          if (c === TRUE_POSITIVE) tp++
          else if (c === FALSE_POSITIVE) fp++
          // Ignored detections stay in the arrays, repeating the previous point, as in numpy.
          rc[i] = tp / npig
          // tp / (fp + tp + np.spacing(1)), the eps added last as numpy evaluates it.
          pr[i] = tp / (fp + tp + Number.EPSILON)
        }
        const idx = accIndex(acc, t, k, a, m)
        acc.recall[idx] = nd ? rc[nd - 1]! : 0
        // The precision envelope: each point takes the best precision at any higher recall.
        for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!
        q.fill(0)
        ss.fill(0)
        let pi = 0
        for (let r = 0; r < R; r++) {
          // searchsorted 'left': the first point whose recall reaches the recall threshold (a walk
          // when the thresholds ascend, as the default ones do). Past the last point pycocotools'
          // try/except stops filling, leaving the rest at 0.
          const x = recThrs[r]!
          if (ascending) while (pi < nd && rc[pi]! < x) pi++
          else pi = searchLeft(rc, nd, x)
          if (pi >= nd) break
          q[r] = pr[pi]!
          ss[r] = score[included[pi]!]!
        }
        let sum = 0
        for (let r = 0; r < R; r++) sum += q[r]!
        acc.precisionSum[idx] = sum
        for (let c = 0; c < acc.curves.length; c++) {
          const curve = acc.curves[c]!
          if (curve.t !== t || curve.a !== a || curve.m !== m) continue
          acc.curvePrecision.set(q, (c * acc.K + k) * R)
          acc.curveScore.set(ss, (c * acc.K + k) * R)
          acc.curveDefined[c * acc.K + k] = 1
        }
      }
    }
  }
}
