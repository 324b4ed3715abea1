import { type Accumulation, accumulateBlock, accumulateScratch } from './accumulate'
import type { EvaluationInput } from './columns'
import type { Grouping } from './grouping'
import { type GroupGt, matchAtThreshold, outcome, prepareArea } from './matching'
import { type ObjectOutcomes, OUTCOME_FN, OUTCOME_FP, OUTCOME_IGNORED, OUTCOME_TP } from './objects'
import { groupOverlaps, type OverlapContext } from './overlap'
import type { AreaRange, EvaluationParams } from './params'
import { sortByScoreDesc } from './score-order'

/**
 * COCOeval.evaluate() and accumulate() fused, one category at a time: for each of its images the
 * overlaps are computed once, matched for every area range and threshold, and the category is
 * accumulated before the next one starts. Memory is the outcome codes of one category (a byte per
 * detection, area range and threshold) plus scratch sized by the largest image.
 */
export function evaluateBlocks(
  input: EvaluationInput,
  params: EvaluationParams,
  grouping: Grouping,
  ctx: OverlapContext,
  acc: Accumulation,
  outcomes: ObjectOutcomes,
  objectRange: AreaRange,
): void {
  const { groundTruth: gt, detections: dt } = input
  const { gtOrder, dtOrder, gtStart, dtStart, blockStart } = grouping
  const T = params.iouThresholds.length
  const A = params.areaRanges.length
  // Only the top maxDets[-1] detections of an image (and category) are evaluated at all.
  const maxDet = params.maxDets[params.maxDets.length - 1]!

  let maxRaw = 0
  let maxD = 0
  let maxG = 0
  let maxBlock = 0
  for (let b = 0; b < grouping.blockCount; b++) {
    let n = 0
    for (let g = blockStart[b]!; g < blockStart[b + 1]!; g++) {
      const raw = dtStart[g + 1]! - dtStart[g]!
      maxRaw = Math.max(maxRaw, raw)
      maxD = Math.max(maxD, Math.min(raw, maxDet))
      maxG = Math.max(maxG, gtStart[g + 1]! - gtStart[g]!)
      n += Math.min(raw, maxDet)
    }
    maxBlock = Math.max(maxBlock, n)
  }

  // iscrowd, and for keypoints num_keypoints == 0: `_prepare` overwrites any `ignore` field with these.
  const baseIgnore = new Uint8Array(gt.count)
  for (let i = 0; i < gt.count; i++) {
    baseIgnore[i] = gt.iscrowd[i] || (params.iouType === 'keypoints' && gt.numKeypoints![i] === 0) ? 1 : 0
  }

  const ious = new Float64Array(maxD * maxG)
  const group: GroupGt = { gts: gtOrder, offset: 0, count: 0, ignore: new Uint8Array(maxG), crowd: new Uint8Array(maxG), sorted: new Int32Array(maxG) }
  const dtMatch = new Int32Array(maxD)
  const gtMatch = new Int32Array(maxG)
  const ranked = new Int32Array(maxRaw)
  const blockDt = new Int32Array(maxBlock)
  const blockScore = new Float64Array(maxBlock)
  const blockRank = new Int32Array(maxBlock)
  const codeBuffer = new Uint8Array(A * T * maxBlock)
  const npig = new Float64Array(A)
  const scratch = accumulateScratch(maxBlock, params.recallThresholds.length)
  const thresholds = params.iouThresholds
  const dOut = outcomes.detections
  const gOut = outcomes.groundTruth

  for (let b = 0; b < grouping.blockCount; b++) {
    let n = 0
    for (let g = blockStart[b]!; g < blockStart[b + 1]!; g++) n += Math.min(dtStart[g + 1]! - dtStart[g]!, maxDet)
    const codes = codeBuffer.subarray(0, A * T * n)
    npig.fill(0)
    let pos = 0
    for (let g = blockStart[b]!; g < blockStart[b + 1]!; g++) {
      // Detections by score, ties in group order (numpy's stable mergesort), cut to maxDets[-1].
      const d0 = dtStart[g]!
      const raw = dtStart[g + 1]! - d0
      ranked.set(dtOrder.subarray(d0, d0 + raw))
      sortByScoreDesc(ranked, raw, dt.score)
      const D = Math.min(raw, maxDet)
      for (let r = 0; r < D; r++) {
        const col = ranked[r]!
        blockDt[pos + r] = col
        blockScore[pos + r] = dt.score[col]!
        blockRank[pos + r] = r
      }
      const dts = blockDt.subarray(pos, pos + D)
      group.offset = gtStart[g]!
      group.count = gtStart[g + 1]! - group.offset
      const G = group.count
      groupOverlaps(ctx, dts, D, gtOrder, group.offset, G, ious)

      for (let a = 0; a < A; a++) {
        const range = params.areaRanges[a]!
        prepareArea(group, baseIgnore, gt.iscrowd, gt.area, range)
        for (let p = 0; p < G; p++) if (!group.ignore[p]) npig[a]!++
        for (let t = 0; t < T; t++) {
          matchAtThreshold(ious, D, group, thresholds[t]!, dtMatch, gtMatch)
          const base = (a * T + t) * n + pos
          for (let r = 0; r < D; r++) codes[base + r] = outcome(dtMatch[r]!, group.ignore, dt.area[dts[r]!]!, range)
        }
      }

      // The per-object pass: one more match, at the match threshold over the "all" range.
      prepareArea(group, baseIgnore, gt.iscrowd, gt.area, objectRange)
      matchAtThreshold(ious, D, group, outcomes.iouThreshold, dtMatch, gtMatch)
      for (let r = 0; r < D; r++) {
        const col = dts[r]!
        let best = 0
        for (let p = 0; p < G; p++) best = Math.max(best, ious[r * G + p]!)
        dOut.maxIou[col] = best
        const m = dtMatch[r]!
        if (m >= 0) {
          dOut.gt[col] = gtOrder[group.offset + m]!
          dOut.iou[col] = ious[r * G + m]!
          dOut.status[col] = group.ignore[m] ? OUTCOME_IGNORED : OUTCOME_TP
        } else {
          const a = dt.area[col]!
          dOut.status[col] = a < objectRange.min || a > objectRange.max ? OUTCOME_IGNORED : OUTCOME_FP
        }
      }
      for (let p = 0; p < G; p++) {
        const col = gtOrder[group.offset + p]!
        const r = gtMatch[p]!
        if (r >= 0) {
          gOut.dt[col] = dts[r]!
          gOut.iou[col] = ious[r * G + p]!
        }
        gOut.status[col] = group.ignore[p] ? OUTCOME_IGNORED : r >= 0 ? OUTCOME_TP : OUTCOME_FN
      }
      pos += D
    }
    accumulateBlock(acc, params, b, { count: n, score: blockScore, rank: blockRank, codes, npig }, scratch)
  }
}
