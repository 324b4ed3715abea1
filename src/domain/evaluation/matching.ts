import type { AreaRange } from './params'

/**
 * The greedy matching of COCOeval.evaluateImg for one image (and category), one area range and one
 * threshold, over index arrays instead of dicts. See docs/evaluation.md#matching.
 */

/** What a detection became at one threshold: the three cases accumulate() tells apart. */
export const FALSE_POSITIVE = 0
export const TRUE_POSITIVE = 1
export const IGNORED = 2

export interface GroupGt {
  /** Ground truth of the group, column indices in group order. */
  gts: Int32Array
  offset: number
  count: number
  /** Per group position: ignored for this area range. */
  ignore: Uint8Array
  crowd: Uint8Array
  /** Group positions, the ignored ones last, each part in group order. */
  sorted: Int32Array
}

/**
 * Marks ground truth outside the area range as ignored, on top of `baseIgnore` (iscrowd, or no
 * keypoints). The range is inclusive at both ends and reads the annotation's `area` field, never
 * its box: COCO's instance areas are mask areas, so a box-sized range test would move objects
 * between small, medium and large. Ignored ground truth goes last (numpy's stable mergesort on
 * the flag) so a detection prefers a real match and only falls back to an ignored one.
 */
export function prepareArea(group: GroupGt, baseIgnore: Uint8Array, iscrowd: Uint8Array, area: Float64Array, range: AreaRange): void {
  const { gts, offset, count, ignore, crowd, sorted } = group
  let n = 0
  for (let p = 0; p < count; p++) {
    const g = gts[offset + p]!
    const a = area[g]!
    ignore[p] = baseIgnore[g] || a < range.min || a > range.max ? 1 : 0
    crowd[p] = iscrowd[g]!
    if (!ignore[p]) sorted[n++] = p
  }
  for (let p = 0; p < count; p++) if (ignore[p]) sorted[n++] = p
}

/**
 * One threshold of evaluateImg's loop. Detections come in score order; each takes, among ground
 * truth not yet taken (crowd regions can be taken again and again), the one with the highest IoU
 * at or above the threshold, a later one winning a tie (the `<` test lets an equal IoU replace the
 * best so far). Once a detection holds a real match it stops at the first ignored ground truth.
 * The threshold is capped at 1 - 1e-10 so that a threshold of 1.0 still matches identical boxes.
 * Writes `dtMatch[d]` (a group position, or -1) and `gtMatch[p]` (a detection rank, or -1).
 */
export function matchAtThreshold(
  ious: Float64Array,
  D: number,
  group: GroupGt,
  threshold: number,
  dtMatch: Int32Array,
  gtMatch: Int32Array,
): void {
  const G = group.count
  const { ignore, crowd, sorted } = group
  for (let p = 0; p < G; p++) gtMatch[p] = -1
  for (let d = 0; d < D; d++) {
    let best = Math.min(threshold, 1 - 1e-10)
    let m = -1
    const row = d * G
    for (let s = 0; s < G; s++) {
      const p = sorted[s]!
      if (gtMatch[p]! >= 0 && !crowd[p]) continue
      if (m > -1 && !ignore[m] && ignore[p]) break
      const iou = ious[row + p]!
      if (iou < best) continue
      best = iou
      m = p
    }
    dtMatch[d] = m
    if (m >= 0) gtMatch[m] = d
  }
}

/**
 * The outcome code of detection rank `d`: matched to a real ground truth is a true positive,
 * matched to an ignored one is ignored, and unmatched is a false positive unless the detection's
 * own area lies outside the range (then it is ignored, as it would have been ground truth of
 * another range).
 */
export function outcome(m: number, ignore: Uint8Array, dtArea: number, range: AreaRange): number {
  if (m >= 0) return ignore[m] ? IGNORED : TRUE_POSITIVE
  return dtArea < range.min || dtArea > range.max ? IGNORED : FALSE_POSITIVE
}
