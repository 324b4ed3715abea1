import { type IouType, type Rle, rleArea, rleFromCounts, rleFromString, segmentationToRle, type CocoSegmentation } from '../evaluation'
import { rleFromPolygon } from '../evaluation/polygon-raster'
import { rleBbox } from '../evaluation/rle'
import type { StoredGroundTruth } from '../../db/ground-truth-sql'

/**
 * Loupe's annotations and imported COCO objects as the engine's object fields, per IoU type. See
 * docs/evaluation.md#what-is-evaluated: boxes are judged by `bounding_box` annotations, masks by
 * `segmentation` (RLE) and `polygon`, keypoints by `keypoint`, mapped by name onto the keypoint
 * order of the evaluation.
 */

export interface ImageSize {
  width: number | null
  height: number | null
}

export interface Geometry {
  bbox: [number, number, number, number]
  area: number
  mask?: Rle
  keypoints?: Float64Array
  /** Ground truth from keypoints: how many are labelled. */
  numKeypoints?: number
}

/** The annotation types each IoU type reads. */
export const EVALUATED_TYPES: Record<IouType, readonly string[]> = {
  bbox: ['bounding_box'],
  segm: ['segmentation', 'polygon'],
  keypoints: ['keypoint'],
}

type Data = Record<string, unknown>
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Pipelines may state coordinates in the model's input size (`image_width`); scale them to the image. */
function scaleOf(data: Data, image: ImageSize): [number, number] {
  const w = num(data.image_width)
  const h = num(data.image_height)
  return [w && image.width ? image.width / w : 1, h && image.height ? image.height / h : 1]
}

function maskBox(mask: Rle): [number, number, number, number] {
  const out = new Float64Array(4)
  rleBbox(mask, out, 0)
  return [out[0]!, out[1]!, out[2]!, out[3]!]
}

function extent(kp: Float64Array): { bbox: [number, number, number, number]; area: number } | null {
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (let i = 0; i < kp.length; i += 3) {
    if (!(kp[i + 2]! > 0)) continue
    x0 = Math.min(x0, kp[i]!)
    x1 = Math.max(x1, kp[i]!)
    y0 = Math.min(y0, kp[i + 1]!)
    y1 = Math.max(y1, kp[i + 1]!)
  }
  return x0 <= x1 ? { bbox: [x0, y0, x1 - x0, y1 - y0], area: (x1 - x0) * (y1 - y0) } : null
}

/**
 * A prediction (or an accepted prediction used as ground truth) in engine terms, or null when its
 * geometry is not what this IoU type reads (a PNG segmentation, no keypoint of a known name).
 */
export function annotationGeometry(type: string, data: Data, iouType: IouType, image: ImageSize, keypointNames: readonly string[]): Geometry | null {
  const [sx, sy] = scaleOf(data, image)
  if (iouType === 'bbox') {
    if (type !== 'bounding_box') return null
    const x0 = num(data.x_min) ?? num(data.left)
    const y0 = num(data.y_min) ?? num(data.top)
    const x1 = num(data.x_max) ?? num(data.right)
    const y1 = num(data.y_max) ?? num(data.bottom)
    if (x0 === null || y0 === null || x1 === null || y1 === null) return null
    const bbox: Geometry['bbox'] = [x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy]
    return { bbox, area: bbox[2] * bbox[3] }
  }
  if (iouType === 'segm') {
    const mask = type === 'polygon' ? polygonMask(data, image, sx, sy) : type === 'segmentation' ? rleMask(data, image) : null
    return mask ? { bbox: maskBox(mask), area: rleArea(mask), mask } : null
  }
  if (type !== 'keypoint' || !Array.isArray(data.keypoints)) return null
  const kp = new Float64Array(keypointNames.length * 3)
  const slot = new Map(keypointNames.map((n, i) => [n, i]))
  for (const p of data.keypoints as Data[]) {
    const i = slot.get(String(p.name))
    const x = num(p.x)
    const y = num(p.y)
    if (i === undefined || x === null || y === null) continue
    kp[i * 3] = x * sx
    kp[i * 3 + 1] = y * sy
    kp[i * 3 + 2] = p.visible === false ? 1 : 2
  }
  const box = extent(kp)
  if (!box) return null
  return { ...box, keypoints: kp, numKeypoints: kp.filter((v, j) => j % 3 === 2 && v > 0).length }
}

function polygonMask(data: Data, image: ImageSize, sx: number, sy: number): Rle | null {
  if (!image.width || !image.height || !Array.isArray(data.points)) return null
  const flat: number[] = []
  for (const p of data.points as unknown[]) {
    const x = Array.isArray(p) ? num(p[0]) : num((p as Data)?.x)
    const y = Array.isArray(p) ? num(p[1]) : num((p as Data)?.y)
    if (x === null || y === null) return null
    flat.push(x * sx, y * sy)
  }
  return flat.length >= 6 ? rleFromPolygon(flat, image.height, image.width) : null
}

function rleMask(data: Data, image: ImageSize): Rle | null {
  if (data.counts === undefined) return null
  const size = Array.isArray(data.size) ? (data.size as number[]) : image.height && image.width ? [image.height, image.width] : null
  if (!size) return null
  const [h, w] = size as [number, number]
  return typeof data.counts === 'string' ? rleFromString(data.counts, h, w) : rleFromCounts(data.counts as number[], h, w)
}

/** An imported COCO object in engine terms, rasterised at the COCO file's size for the image. */
export function importedGeometry(o: StoredGroundTruth, iouType: IouType, image: ImageSize, keypointCount: number): Geometry | null {
  const area = o.area ?? 0
  const bbox: Geometry['bbox'] | null = o.bbox_w === null ? null : [o.bbox_x!, o.bbox_y!, o.bbox_w, o.bbox_h!]
  if (iouType === 'bbox') return bbox ? { bbox, area } : null
  if (iouType === 'segm') {
    if (!o.segmentation) return null
    const segm = JSON.parse(o.segmentation) as CocoSegmentation
    if (Array.isArray(segm) && !(image.width && image.height)) return null
    const mask = segmentationToRle(segm, image.height ?? 0, image.width ?? 0)
    return { bbox: bbox ?? maskBox(mask), area, mask }
  }
  if (!o.keypoints) return null
  const kp = Float64Array.from(JSON.parse(o.keypoints) as number[])
  if (kp.length !== keypointCount * 3) return null
  return { bbox: bbox ?? [0, 0, 0, 0], area, keypoints: kp, numKeypoints: o.num_keypoints ?? kp.filter((v, j) => j % 3 === 2 && v > 0).length }
}
