import type { Annotation } from '../../schemas/analyses'
import { encodeCounts, resampleRuns, rleArea, rleBbox, runsOf, type RleCounts } from '../../schemas/rle'

/**
 * Exports carry coordinates in the image's own pixels. A pipeline may post them in another frame
 * (the resized copy its model saw) by declaring `image_width`/`image_height`, or for an RLE mask
 * its `size`; the viewer scales such annotations to the image, and so must every export, or the
 * files would disagree with what people reviewed. See docs/ML_PIPELINE_INTEGRATION.md#annotation-formats.
 */

export interface ImageSize {
  width: number | null
  height: number | null
}

/** The frame an annotation declared, when it differs from the image's own size. */
export interface Rescaled {
  width: number | null
  height: number | null
}

type Data = Record<string, unknown>
type Point = [number, number] | { x: number; y: number }

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null)

/** Factors from the declared `image_width`/`image_height` to the image, per axis, like the viewer's. */
function factors(data: Data, image: ImageSize) {
  const fw = num(data.image_width)
  const fh = num(data.image_height)
  return { sx: fw && image.width ? image.width / fw : 1, sy: fh && image.height ? image.height / fh : 1, fw, fh }
}

const BOX_KEYS = [
  ['x_min', 'x'],
  ['x_max', 'x'],
  ['left', 'x'],
  ['right', 'x'],
  ['y_min', 'y'],
  ['y_max', 'y'],
  ['top', 'y'],
  ['bottom', 'y'],
] as const

function scaleGeometry(type: Annotation['annotation_type'], data: Data, sx: number, sy: number): Data {
  const out: Data = { ...data }
  switch (type) {
    case 'bounding_box':
      for (const [k, axis] of BOX_KEYS) if (typeof out[k] === 'number') out[k] = (out[k] as number) * (axis === 'x' ? sx : sy)
      return out
    case 'polygon':
      out.points = (data.points as Point[]).map((p) => (Array.isArray(p) ? [p[0] * sx, p[1] * sy] : { ...p, x: p.x * sx, y: p.y * sy }))
      return out
    case 'keypoint':
      out.keypoints = (data.keypoints as { x: number; y: number }[]).map((k) => ({ ...k, x: k.x * sx, y: k.y * sy }))
      return out
    default:
      return out
  }
}

/**
 * An RLE mask of another size, resampled to the image by nearest neighbour. Its bbox and area
 * are derived again from the resampled mask: scaled numbers would not describe real pixels.
 */
function rleInImagePixels(data: Data, image: ImageSize): { data: Data; rescaled: Rescaled } | null {
  const size = data.size as [number, number] | undefined
  if (!size || !image.width || !image.height || (size[0] === image.height && size[1] === image.width)) return null
  const runs = runsOf(data.counts as RleCounts)
  if (!runs) return null
  const to: [number, number] = [image.height, image.width]
  const resampled = resampleRuns(runs, size, to)
  return {
    data: {
      ...data,
      size: to,
      counts: typeof data.counts === 'string' ? encodeCounts(resampled) : resampled,
      bbox: rleBbox(resampled, to[0]),
      area: rleArea(resampled),
    },
    rescaled: { width: size[1], height: size[0] },
  }
}

/**
 * The annotation as it lies on the image: geometry in the image's pixels and the declared frame
 * set to the image's size. `rescaled` names the frame it was posted in, or is null when nothing
 * changed (no frame declared, the image's own frame, or an image of unknown size). Bitmaps in
 * artifacts (heatmaps, masks, PNG segmentations) are exported by reference: their `width` and
 * `height` describe the artifact's pixels, which consumers stretch over the image.
 */
export function inImagePixels(a: Annotation, image: ImageSize): { annotation: Annotation; rescaled: Rescaled | null } {
  const unchanged = { annotation: a, rescaled: null }
  if (a.annotation_type === 'segmentation') {
    const rle = 'counts' in a.data ? rleInImagePixels(a.data, image) : null
    return rle ? { annotation: { ...a, data: rle.data }, rescaled: rle.rescaled } : unchanged
  }
  if (a.annotation_type !== 'bounding_box' && a.annotation_type !== 'polygon' && a.annotation_type !== 'keypoint') return unchanged
  const { sx, sy, fw, fh } = factors(a.data, image)
  if (sx === 1 && sy === 1) return unchanged
  const data = scaleGeometry(a.annotation_type, a.data, sx, sy)
  if (fw && image.width) data.image_width = image.width
  if (fh && image.height) data.image_height = image.height
  return { annotation: { ...a, data }, rescaled: { width: fw, height: fh } }
}

/** For exports that write annotations whole (JSON, the bundle): the annotation, noting a rescale. */
export function exportedAnnotation(a: Annotation, image: ImageSize): Annotation & { rescaled_from?: Rescaled } {
  const { annotation, rescaled } = inImagePixels(a, image)
  return rescaled ? { ...annotation, rescaled_from: rescaled } : annotation
}
