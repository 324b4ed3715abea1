import type { EvaluationInput } from './columns'

/**
 * Objects grouped once by image and category, as pycocotools' `_gts[imgId, catId]` and
 * `_dts[imgId, catId]`, but as index ranges into one sorted order instead of lists of dicts.
 * Within a group objects keep their input order, as pycocotools' lists keep file order; that order
 * breaks score ties later. With useCats off a group is a whole image, its objects ordered by
 * category and then input order, as pycocotools concatenates them over catIds.
 */
export interface Grouping {
  /** Ground-truth indices, grouped; a group's objects are `gtOrder[gtStart[g] .. gtStart[g + 1])`. */
  gtOrder: Int32Array
  dtOrder: Int32Array
  groupCount: number
  groupImage: Int32Array
  gtStart: Int32Array
  dtStart: Int32Array
  /** Groups of evaluation block b (one category, or everything with useCats off): `blockStart[b] .. blockStart[b + 1]`. */
  blockCount: number
  blockStart: Int32Array
}

/** Stable counting sort of `order` by `key[order[i]]`, keys in 0..buckets-1: O(n + buckets). */
function countingSort(order: Int32Array, key: Int32Array, buckets: number): Int32Array {
  const start = new Int32Array(buckets + 1)
  for (let i = 0; i < order.length; i++) start[key[order[i]!]! + 1]!++
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!
  const out = new Int32Array(order.length)
  for (let i = 0; i < order.length; i++) {
    const o = order[i]!
    out[start[key[o]!]!++] = o
  }
  return out
}

function sortedOrder(count: number, image: Int32Array, category: Int32Array, imageCount: number, categoryCount: number, useCats: boolean) {
  let order: Int32Array = new Int32Array(count)
  for (let i = 0; i < count; i++) order[i] = i
  // Two stable passes, least significant key first.
  if (useCats) {
    order = countingSort(order, image, imageCount)
    return countingSort(order, category, categoryCount)
  }
  order = countingSort(order, category, categoryCount)
  return countingSort(order, image, imageCount)
}

export function groupObjects(input: EvaluationInput, useCats: boolean): Grouping {
  const { imageCount, groundTruth: gt, detections: dt } = input
  const K = input.classNames.length
  const gtOrder = sortedOrder(gt.count, gt.image, gt.category, imageCount, K, useCats)
  const dtOrder = sortedOrder(dt.count, dt.image, dt.category, imageCount, K, useCats)
  const gtKey = (p: number) => (useCats ? gt.category[gtOrder[p]!]! * imageCount : 0) + gt.image[gtOrder[p]!]!
  const dtKey = (p: number) => (useCats ? dt.category[dtOrder[p]!]! * imageCount : 0) + dt.image[dtOrder[p]!]!

  const capacity = gt.count + dt.count + 1
  const groupImage = new Int32Array(capacity)
  const gtStart = new Int32Array(capacity + 1)
  const dtStart = new Int32Array(capacity + 1)
  const blockCount = useCats ? K : 1
  const blockStart = new Int32Array(blockCount + 1)
  let groups = 0
  let pg = 0
  let pd = 0
  while (pg < gt.count || pd < dt.count) {
    const kg = pg < gt.count ? gtKey(pg) : Infinity
    const kd = pd < dt.count ? dtKey(pd) : Infinity
    const key = kg < kd ? kg : kd
    gtStart[groups] = pg
    dtStart[groups] = pd
    groupImage[groups] = key % imageCount
    if (useCats) blockStart[Math.floor(key / imageCount) + 1]!++
    while (pg < gt.count && gtKey(pg) === key) pg++
    while (pd < dt.count && dtKey(pd) === key) pd++
    groups++
  }
  gtStart[groups] = pg
  dtStart[groups] = pd
  if (useCats) for (let b = 0; b < blockCount; b++) blockStart[b + 1]! += blockStart[b]!
  else blockStart[1] = groups
  return {
    gtOrder,
    dtOrder,
    groupCount: groups,
    groupImage: groupImage.slice(0, groups),
    gtStart: gtStart.slice(0, groups + 1),
    dtStart: dtStart.slice(0, groups + 1),
    blockCount,
    blockStart,
  }
}
