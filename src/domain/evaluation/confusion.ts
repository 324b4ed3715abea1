import type { EvaluationInput } from './columns'
import { BACKGROUND, NOT_IN_MATRIX, type ObjectOutcomes, OUTCOME_FN, OUTCOME_FP, OUTCOME_TP } from './objects'
import { type OverlapContext, overlap } from './overlap'
import { sortByScoreDesc } from './score-order'

/**
 * The confusion matrix, with background as its last row and column. Rows are the true class,
 * columns the predicted one. How objects are assigned (docs/evaluation.md#confusion-matrix):
 *
 * 1. Pairs matched per class at the match IoU (the per-object outcomes) are the diagonal, so the
 *    matrix agrees with the TP/FP/FN of every object.
 * 2. Left-over detections and ground truth of one image are then matched across classes, greedily
 *    in score order, each detection taking the free ground truth with the highest IoU at or above
 *    the threshold (FiftyOne's `classwise=False`): these are the class confusions.
 * 3. A detection still alone is a false alarm (background row); a ground truth still alone is a
 *    miss (background column).
 *
 * Crowd regions, detections matched to them and detections past the maxDets cut are left out, as
 * they are out of AP. Detections scored below `minScore` are left out too; matching is greedy in
 * score order, so leaving them out changes no match among the others.
 */
export interface ConfusionMatrix {
  labels: string[]
  iou_threshold: number
  min_score: number
  counts: number[][]
}

function byImage(indices: number[], image: Int32Array, imageCount: number): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(imageCount + 1)
  for (const i of indices) start[image[i]! + 1]!++
  for (let m = 0; m < imageCount; m++) start[m + 1]! += start[m]!
  const fill = start.slice()
  const items = new Int32Array(indices.length)
  for (const i of indices) items[fill[image[i]!]!++] = i
  return { start, items }
}

export function confusionMatrix(input: EvaluationInput, outcomes: ObjectOutcomes, ctx: OverlapContext, minScore: number): ConfusionMatrix {
  const K = input.classNames.length
  const counts = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0))
  const { detections: dt, groundTruth: gt } = input
  const d = outcomes.detections
  const g = outcomes.groundTruth
  const threshold = outcomes.iouThreshold

  const leftDt: number[] = []
  for (let i = 0; i < dt.count; i++) {
    if (dt.score[i]! < minScore) continue
    if (d.status[i] === OUTCOME_TP) {
      const m = d.gt[i]!
      counts[gt.category[m]!]![dt.category[i]!]!++
      d.confusion[i] = m
      g.confusion[m] = i
    } else if (d.status[i] === OUTCOME_FP) leftDt.push(i)
  }
  const leftGt: number[] = []
  for (let i = 0; i < gt.count; i++) {
    const s = g.status[i]
    if ((s === OUTCOME_TP || s === OUTCOME_FN) && g.confusion[i] === NOT_IN_MATRIX) leftGt.push(i)
  }

  const dts = byImage(leftDt, dt.image, input.imageCount)
  const gts = byImage(leftGt, gt.image, input.imageCount)
  for (let img = 0; img < input.imageCount; img++) {
    const g0 = gts.start[img]!
    const g1 = gts.start[img + 1]!
    const d0 = dts.start[img]!
    const d1 = dts.start[img + 1]!
    if (g0 === g1 || d0 === d1) continue
    const order = dts.items.subarray(d0, d1)
    sortByScoreDesc(order, d1 - d0, dt.score)
    for (const di of order) {
      let best = -1
      let bestIou = threshold
      for (let p = g0; p < g1; p++) {
        const gi = gts.items[p]!
        if (g.confusion[gi] !== NOT_IN_MATRIX) continue
        const v = overlap(ctx, di, gi)
        if (v < threshold) continue
        if (best < 0 || v > bestIou) {
          best = gi
          bestIou = v
        }
      }
      if (best < 0) continue
      counts[gt.category[best]!]![dt.category[di]!]!++
      d.confusion[di] = best
      g.confusion[best] = di
    }
  }

  for (const i of leftDt) {
    if (d.confusion[i] !== NOT_IN_MATRIX) continue
    counts[K]![dt.category[i]!]!++
    d.confusion[i] = BACKGROUND
  }
  for (const i of leftGt) {
    if (g.confusion[i] !== NOT_IN_MATRIX) continue
    counts[gt.category[i]!]![K]!++
    g.confusion[i] = BACKGROUND
  }
  return { labels: [...input.classNames, 'background'], iou_threshold: threshold, min_score: minScore, counts }
}
