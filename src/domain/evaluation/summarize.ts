import { type Accumulation, accIndex } from './accumulate'
import type { EvaluationParams } from './params'

/**
 * COCOeval.summarize(): the 12 detection numbers (10 for keypoints) in pycocotools' order, and the
 * same numbers per class. See docs/evaluation.md#summary.
 */

export const DETECTION_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const
export const KEYPOINT_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APm', 'APl', 'AR', 'AR50', 'AR75', 'ARm', 'ARl'] as const

interface StatQuery {
  ap: boolean
  iouThr: number | null
  area: string
  maxDets: number | undefined
}

/**
 * One `_summarize(ap, iouThr, areaRng, maxDets)`: the mean of every defined entry (> -1) across
 * thresholds, recall points and categories, -1 when there is none. Thresholds, area labels and
 * maxDets are looked up by equality, as np.where and the list comprehensions do: a threshold that
 * is not exactly among the parameters (say AP50 when the caller dropped 0.5) selects nothing and
 * gives -1. Categories with no ground truth are undefined and so drop out of the mean.
 */
function summarizeOne(acc: Accumulation, params: EvaluationParams, q: StatQuery, onlyK?: number): number {
  const R = params.recallThresholds.length
  let sum = 0
  let count = 0
  for (let t = 0; t < acc.T; t++) {
    if (q.iouThr !== null && params.iouThresholds[t] !== q.iouThr) continue
    for (let a = 0; a < acc.A; a++) {
      if (params.areaRanges[a]!.label !== q.area) continue
      for (let m = 0; m < acc.M; m++) {
        if (params.maxDets[m] !== q.maxDets) continue
        for (let k = onlyK ?? 0; k < (onlyK === undefined ? acc.K : onlyK + 1); k++) {
          if (!acc.defined[k * acc.A + a]) continue
          const idx = accIndex(acc, t, k, a, m)
          if (q.ap) {
            sum += acc.precisionSum[idx]!
            count += R
          } else {
            sum += acc.recall[idx]!
            count += 1
          }
        }
      }
    }
  }
  return count === 0 ? -1 : sum / count
}

/**
 * The queries behind `stats`, in order. pycocotools' own quirks are kept: AP reads maxDets = 100
 * literally while AP50 … APl and AR100 … ARl read `maxDets[2]`, so with other maxDets some stats
 * are -1 rather than silently about something else (where pycocotools would raise on a list of
 * fewer than three, this gives -1). Keypoints read maxDets = 20 literally throughout.
 */
function statQueries(params: EvaluationParams): StatQuery[] {
  const md = params.maxDets
  const Q = (ap: boolean, iouThr: number | null, area: string, maxDets: number | undefined): StatQuery => ({ ap, iouThr, area, maxDets })
  if (params.iouType === 'keypoints') {
    return [
      Q(true, null, 'all', 20),
      Q(true, 0.5, 'all', 20),
      Q(true, 0.75, 'all', 20),
      Q(true, null, 'medium', 20),
      Q(true, null, 'large', 20),
      Q(false, null, 'all', 20),
      Q(false, 0.5, 'all', 20),
      Q(false, 0.75, 'all', 20),
      Q(false, null, 'medium', 20),
      Q(false, null, 'large', 20),
    ]
  }
  return [
    Q(true, null, 'all', 100),
    Q(true, 0.5, 'all', md[2]),
    Q(true, 0.75, 'all', md[2]),
    Q(true, null, 'small', md[2]),
    Q(true, null, 'medium', md[2]),
    Q(true, null, 'large', md[2]),
    Q(false, null, 'all', md[0]),
    Q(false, null, 'all', md[1]),
    Q(false, null, 'all', md[2]),
    Q(false, null, 'small', md[2]),
    Q(false, null, 'medium', md[2]),
    Q(false, null, 'large', md[2]),
  ]
}

export function summaryStats(acc: Accumulation, params: EvaluationParams): number[] {
  return statQueries(params).map((q) => summarizeOne(acc, params, q))
}

export interface PerClassMetrics {
  class_name: string
  ap: number
  ap50: number
  ap75: number
  /** AR at maxDets[2] (100 by default); for keypoints, AR at 20. */
  ar100: number
  gt_count: number
  dt_count: number
}

/**
 * stats[0], [1], [2] and AR100 (stats[8]; stats[5] for keypoints) restricted to one category, as
 * torchmetrics' class metrics obtain them by re-running COCOeval with catIds = [k]: categories are
 * evaluated independently, so it is the same number.
 */
export function perClassMetrics(acc: Accumulation, params: EvaluationParams, names: readonly string[], counts: { gt: number[]; dt: number[] }): PerClassMetrics[] {
  const queries = statQueries(params)
  const arIndex = params.iouType === 'keypoints' ? 5 : 8
  return names.map((class_name, k) => ({
    class_name,
    ap: summarizeOne(acc, params, queries[0]!, k),
    ap50: summarizeOne(acc, params, queries[1]!, k),
    ap75: summarizeOne(acc, params, queries[2]!, k),
    ar100: summarizeOne(acc, params, queries[arIndex]!, k),
    gt_count: counts.gt[k] ?? 0,
    dt_count: counts.dt[k] ?? 0,
  }))
}

export interface PrCurve {
  class_name: string
  iou_threshold: number
  /** Precision at each recall threshold (interpolated, as COCO's), null for a class without ground truth. */
  precision: number[] | null
  /** The score of the detection at which each recall threshold is reached (0 past the last). */
  scores: number[] | null
}

/** Which (threshold, area, maxDets) the reported curves are taken at: IoU .50 and .75, area "all", maxDets 100 (or the largest). */
export function curveSelection(params: EvaluationParams): { t: number; a: number; m: number }[] {
  const a = Math.max(0, params.areaRanges.findIndex((r) => r.label === 'all'))
  const preferred = params.maxDets.indexOf(params.iouType === 'keypoints' ? 20 : 100)
  const m = preferred >= 0 ? preferred : params.maxDets.length - 1
  return [0.5, 0.75].map((thr) => params.iouThresholds.indexOf(thr)).filter((t) => t >= 0).map((t) => ({ t, a, m }))
}

export function prCurves(acc: Accumulation, params: EvaluationParams, names: readonly string[]): PrCurve[] {
  const R = params.recallThresholds.length
  const out: PrCurve[] = []
  acc.curves.forEach((curve, c) => {
    names.forEach((class_name, k) => {
      const off = (c * acc.K + k) * R
      const defined = acc.curveDefined[c * acc.K + k] === 1
      out.push({
        class_name,
        iou_threshold: params.iouThresholds[curve.t]!,
        precision: defined ? Array.from(acc.curvePrecision.subarray(off, off + R)) : null,
        scores: defined ? Array.from(acc.curveScore.subarray(off, off + R)) : null,
      })
    })
  })
  return out
}
