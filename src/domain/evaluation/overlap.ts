import type { DetectionColumns, GroundTruthColumns } from './columns'
import type { EvaluationParams } from './params'
import { rleBbox, rleIou } from './rle'

/**
 * The overlap between detections and ground truth: box IoU, mask IoU or keypoint OKS, by iouType.
 * See docs/evaluation.md#overlap.
 */
export interface OverlapContext {
  iouType: EvaluationParams['iouType']
  gt: GroundTruthColumns
  dt: DetectionColumns
  /** segm: the boxes pycocotools derives from each mask, for its overlap prefilter. */
  gtMaskBox: Float64Array
  dtMaskBox: Float64Array
  /** keypoints: (2σ)² per keypoint, as COCOeval's `vars`. */
  kpVars: Float64Array
  kpScratch: Float64Array
}

export function overlapContext(params: EvaluationParams, gt: GroundTruthColumns, dt: DetectionColumns): OverlapContext {
  const maskBoxes = (cols: GroundTruthColumns | DetectionColumns) => {
    const out = new Float64Array(params.iouType === 'segm' ? cols.count * 4 : 0)
    if (params.iouType === 'segm') for (let i = 0; i < cols.count; i++) rleBbox(cols.masks![i]!, out, i * 4)
    return out
  }
  const kpVars = params.keypointSigmas.map((s) => (s * 2) ** 2)
  return {
    iouType: params.iouType,
    gt,
    dt,
    gtMaskBox: maskBoxes(gt),
    dtMaskBox: maskBoxes(dt),
    kpVars,
    kpScratch: new Float64Array(kpVars.length),
  }
}

/**
 * pycocotools' bbIou: no +1 on widths (boxes are continuous, not pixel-inclusive), areas from the
 * boxes themselves (not the `area` field), and against a crowd box the union is the detection's
 * area, so a detection lying inside a crowd region scores its full share of it.
 */
function boxIou(a: Float64Array, i: number, b: Float64Array, j: number, crowd: boolean): number {
  const ax = a[i]!
  const ay = a[i + 1]!
  const aw = a[i + 2]!
  const ah = a[i + 3]!
  const bx = b[j]!
  const by = b[j + 1]!
  const bw = b[j + 2]!
  const bh = b[j + 3]!
  const w = Math.min(aw + ax, bw + bx) - Math.max(ax, bx)
  if (w <= 0) return 0
  const h = Math.min(ah + ay, bh + by) - Math.max(ay, by)
  if (h <= 0) return 0
  const inter = w * h
  const da = aw * ah
  return inter / (crowd ? da : da + bw * bh - inter)
}

/**
 * numpy's pairwise sum (8 accumulators up to 128 values) so that OKS sums the same doubles in the
 * same order as `np.sum`; for 17 keypoints this differs from a plain loop in the last bits.
 */
export function numpySum(v: Float64Array, n: number): number {
  if (n < 8) {
    let s = 0
    for (let i = 0; i < n; i++) s += v[i]!
    return s
  }
  if (n <= 128) {
    const r = [v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, v[6]!, v[7]!]
    let i = 8
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += v[i + j]!
    let s = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!))
    for (; i < n; i++) s += v[i]!
    return s
  }
  let half = Math.floor(n / 2)
  half -= half % 8
  return numpySum(v, half) + numpySum(v.subarray(half), n - half)
}

/**
 * COCOeval.computeOks. With labelled keypoints, OKS averages exp(-d²/(2·s²·κ²)) over them, s² being
 * the ground truth's `area` (plus numpy's eps), not its box. A ground truth with no labelled
 * keypoint measures each predicted keypoint's distance to a box twice its size around the ground
 * truth box, and averages over all keypoints.
 */
function oks(ctx: OverlapContext, d: number, g: number): number {
  const { kpVars: vars, kpScratch: e } = ctx
  const k = vars.length
  const gk = ctx.gt.keypoints!
  const dk = ctx.dt.keypoints!
  const go = g * k * 3
  const dOff = d * k * 3
  let labelled = 0
  for (let i = 0; i < k; i++) if (gk[go + i * 3 + 2]! > 0) labelled++
  const area = ctx.gt.area[g]! + Number.EPSILON
  let n = 0
  if (labelled > 0) {
    for (let i = 0; i < k; i++) {
      if (!(gk[go + i * 3 + 2]! > 0)) continue
      const dx = dk[dOff + i * 3]! - gk[go + i * 3]!
      const dy = dk[dOff + i * 3 + 1]! - gk[go + i * 3 + 1]!
      e[n++] = Math.exp(-((dx * dx + dy * dy) / vars[i]! / area / 2))
    }
  } else {
    const bb = ctx.gt.bbox
    const x0 = bb[g * 4]! - bb[g * 4 + 2]!
    const x1 = bb[g * 4]! + bb[g * 4 + 2]! * 2
    const y0 = bb[g * 4 + 1]! - bb[g * 4 + 3]!
    const y1 = bb[g * 4 + 1]! + bb[g * 4 + 3]! * 2
    for (let i = 0; i < k; i++) {
      const xd = dk[dOff + i * 3]!
      const yd = dk[dOff + i * 3 + 1]!
      const dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1)
      const dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1)
      e[n++] = Math.exp(-((dx * dx + dy * dy) / vars[i]! / area / 2))
    }
  }
  return numpySum(e, n) / n
}

/** The overlap of detection `d` with ground truth `g`, both as column indices. */
export function overlap(ctx: OverlapContext, d: number, g: number): number {
  const crowd = ctx.gt.iscrowd[g] === 1
  switch (ctx.iouType) {
    case 'bbox':
      return boxIou(ctx.dt.bbox, d * 4, ctx.gt.bbox, g * 4, crowd)
    case 'segm':
      // rleIou runs the mask walk only where the derived boxes overlap; elsewhere it is 0, even
      // for masks of different sizes (which would be -1).
      if (boxIou(ctx.dtMaskBox, d * 4, ctx.gtMaskBox, g * 4, crowd) <= 0) return 0
      return rleIou(ctx.dt.masks![d]!, ctx.gt.masks![g]!, crowd)
    case 'keypoints':
      return oks(ctx, d, g)
  }
}

/**
 * The D×G overlap matrix of one group, row-major by detection: detections in their sorted order,
 * ground truth in group order. An empty side leaves it empty, as maskUtils.iou returns [].
 */
export function groupOverlaps(ctx: OverlapContext, dts: Int32Array, D: number, gts: Int32Array, gOff: number, G: number, out: Float64Array): void {
  for (let i = 0; i < D; i++) {
    const d = dts[i]!
    const row = i * G
    for (let j = 0; j < G; j++) out[row + j] = overlap(ctx, d, gts[gOff + j]!)
  }
}
