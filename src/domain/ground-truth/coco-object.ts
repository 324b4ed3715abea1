import type { GroundTruthRow } from '../../db/ground-truth-sql'
import { AppError } from '../../errors'
import type { CocoAnnotationInput } from '../../schemas/ground-truth'
import { type Rle, rleArea, rleFromCounts, rleFromString } from '../evaluation'
import { rleBbox } from '../evaluation/rle'

/**
 * A COCO annotation as a ground-truth row. What the file leaves out is derived the way the COCO
 * tools would: a missing `bbox` from the segmentation or the labelled keypoints, a missing `area`
 * from the mask (RLE), the polygons (shoelace) or the box. RLEs are decoded once here, so a
 * corrupt one fails the import instead of an evaluation later.
 */
export function groundTruthRow(a: CocoAnnotationInput, index: number, imageId: string | null): GroundTruthRow {
  const segm = a.segmentation && !(Array.isArray(a.segmentation) && a.segmentation.length === 0) ? a.segmentation : null
  const rle = segm && !Array.isArray(segm) ? decodeRle(segm, index) : null
  const polygons = segm && Array.isArray(segm) ? (segm as number[][]) : null
  const bbox = a.bbox ?? (rle ? boxOfRle(rle) : polygons ? extent(polygons.flat(), 2, 0) : a.keypoints ? extent(a.keypoints, 3, 2) : null)
  const area = a.area ?? (rle ? rleArea(rle) : polygons ? polygons.reduce((s, p) => s + shoelace(p), 0) : bbox ? bbox[2] * bbox[3] : null)
  const labelled = a.keypoints ? a.keypoints.filter((v, j) => j % 3 === 2 && v > 0).length : null
  return {
    i: crypto.randomUUID(),
    g: imageId,
    m: String(a.image_id),
    o: a.id === undefined ? null : String(a.id),
    c: a.category_id,
    x: bbox?.[0] ?? null,
    y: bbox?.[1] ?? null,
    w: bbox?.[2] ?? null,
    h: bbox?.[3] ?? null,
    a: area,
    z: a.iscrowd ? 1 : 0,
    s: segm ? JSON.stringify(segm) : null,
    k: a.keypoints ? JSON.stringify(a.keypoints) : null,
    n: a.keypoints ? (a.num_keypoints ?? labelled) : null,
  }
}

function decodeRle(segm: { size: [number, number]; counts: string | number[] }, index: number): Rle {
  const [h, w] = segm.size
  try {
    return typeof segm.counts === 'string' ? rleFromString(segm.counts, h, w) : rleFromCounts(segm.counts, h, w)
  } catch (err) {
    const message = err instanceof AppError ? err.message : 'corrupt RLE'
    throw new AppError(400, 'validation_error', `annotations.${index}.segmentation: ${message}`, { path: ['annotations', index, 'segmentation'] })
  }
}

function boxOfRle(rle: Rle): [number, number, number, number] {
  const out = new Float64Array(4)
  rleBbox(rle, out, 0)
  return [out[0]!, out[1]!, out[2]!, out[3]!]
}

/** [x, y, w, h] around points stored `stride` numbers apart; with a visibility slot, unlabelled points are left out. */
function extent(values: readonly number[], stride: number, visibility: number): [number, number, number, number] | null {
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (let i = 0; i + 1 < values.length; i += stride) {
    if (visibility && !(values[i + visibility]! > 0)) continue
    x0 = Math.min(x0, values[i]!)
    x1 = Math.max(x1, values[i]!)
    y0 = Math.min(y0, values[i + 1]!)
    y1 = Math.max(y1, values[i + 1]!)
  }
  return x0 <= x1 ? [x0, y0, x1 - x0, y1 - y0] : null
}

function shoelace(p: readonly number[]): number {
  let s = 0
  const n = p.length >> 1
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n
    s += p[2 * i]! * p[2 * j + 1]! - p[2 * j]! * p[2 * i + 1]!
  }
  return Math.abs(s) / 2
}
