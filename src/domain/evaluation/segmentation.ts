import { invalidEvaluationInput } from './input-error'
import { rleFromBox, rleFromPolygon } from './polygon-raster'
import { type Rle, rleFromCounts, rleFromString, rleUnion } from './rle'

/** A COCO `segmentation`: polygons (one list of x, y, x, y, … per part), or an RLE. */
export type CocoSegmentation = number[][] | { size: [number, number]; counts: string | number[] }

/**
 * The mask pycocotools' COCO.annToRLE makes of a segmentation. Polygons are rasterised at the
 * image's size and their parts merged into one mask; an RLE keeps its own `size`, even when that
 * differs from the image (its IoU with a mask of another size is then -1, see `rleIou`).
 */
export function segmentationToRle(segm: CocoSegmentation, imageHeight: number, imageWidth: number): Rle {
  if (Array.isArray(segm)) {
    const first = segm[0]
    if (!first || !Array.isArray(first)) throw invalidEvaluationInput('a polygon segmentation must be a non-empty list of coordinate lists')
    // frPyObjects decides by the first part's length: exactly 4 numbers make every part a box.
    if (first.length === 4) {
      return rleUnion(
        segm.map((b) => {
          if (b.length !== 4) throw invalidEvaluationInput('a segmentation whose first part has 4 numbers is read as boxes; every part needs 4')
          return rleFromBox(b[0]!, b[1]!, b[2]!, b[3]!, imageHeight, imageWidth)
        }),
      )
    }
    if (first.length < 4) throw invalidEvaluationInput('a polygon needs at least 3 points (6 numbers)')
    for (const part of segm) {
      if (!part.every(Number.isFinite)) throw invalidEvaluationInput('polygon coordinates must be finite numbers')
    }
    return rleUnion(segm.map((part) => rleFromPolygon(part, imageHeight, imageWidth)))
  }
  if (!segm || !Array.isArray(segm.size) || segm.size.length !== 2) throw invalidEvaluationInput('an RLE segmentation needs size: [height, width]')
  const [h, w] = segm.size
  if (typeof segm.counts === 'string') return rleFromString(segm.counts, h, w)
  if (Array.isArray(segm.counts)) return rleFromCounts(segm.counts, h, w)
  throw invalidEvaluationInput('RLE counts must be a string or a list of run lengths')
}
