import { describe, expect, it } from 'vitest'
import { type CocoDataset, cocoEvaluationInput, evaluate, rleArea, rleFromCounts, rleFromString, rleToString, segmentationToRle } from '../../../src/domain/evaluation'
import { rleFromBox, rleFromPolygon } from '../../../src/domain/evaluation/polygon-raster'
import { rleIou } from '../../../src/domain/evaluation/rle'
import { fixtureInputs, loadFixture } from './coco-fixtures'

/** A mask drawn as text rows ('#' set), as COCO's column-major uncompressed RLE. */
function drawn(rows: string[]): { size: [number, number]; counts: number[] } {
  const h = rows.length
  const w = rows[0]!.length
  const counts: number[] = []
  let value = 0
  let run = 0
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = rows[y]![x] === '#' ? 1 : 0
      if (v !== value) {
        counts.push(run)
        run = 0
        value = v
      }
      run++
    }
  }
  counts.push(run)
  return { size: [h, w], counts }
}

const square = (x0: number, y0: number, side: number, size = 10) =>
  drawn(Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => (x >= x0 && x < x0 + side && y >= y0 && y < y0 + side ? '#' : '.')).join('')))

function segmScene(gtSegm: unknown, dtSegm: unknown, crowd = 0) {
  const gt: CocoDataset = {
    images: [{ id: 1, width: 10, height: 10 }],
    categories: [{ id: 1, name: 'a' }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, area: 16, iscrowd: crowd, segmentation: gtSegm as never }],
  }
  return evaluate(cocoEvaluationInput(gt, [{ image_id: 1, category_id: 1, score: 0.9, segmentation: dtSegm as never }], 'segm').input)
}

describe('RLE', () => {
  it('decodes a compressed string to the runs its uncompressed form lists, and encodes it back', () => {
    const { results } = fixtureInputs(loadFixture('detectron2_val_subset'))
    for (const r of results) {
      const segm = r.segmentation as { size: [number, number]; counts: string }
      const rle = rleFromString(segm.counts, ...segm.size)
      expect(rleToString(rle)).toBe(segm.counts)
      expect(rleFromCounts(Array.from(rle.counts), ...segm.size).counts).toEqual(rle.counts)
      expect(rle.counts.reduce((a, b) => a + b, 0)).toBe(426 * 640)
    }
  })

  it('rejects runs that do not cover the mask, and characters outside the code', () => {
    expect(() => rleFromCounts([3, 4], 3, 3)).toThrow(expect.objectContaining({ status: 400 }))
    expect(() => rleFromString('~~', 3, 3)).toThrow(expect.objectContaining({ status: 400 }))
  })
})

describe('mask IoU', () => {
  it('is intersection over union of pixels: two 4×4 squares offset by 2 share 4 of 28 pixels', () => {
    const a = segmentationToRle(square(0, 0, 4), 10, 10)
    const b = segmentationToRle(square(2, 2, 4), 10, 10)
    expect(rleArea(a)).toBe(16)
    expect(rleIou(b, a, false)).toBe(4 / 28)
  })

  it('gives the same evaluation for a compressed string and uncompressed counts', () => {
    const gt = square(0, 0, 4)
    const dt = square(2, 2, 4)
    const compressed = (m: { size: [number, number]; counts: number[] }) => ({ size: m.size, counts: rleToString(rleFromCounts(m.counts, ...m.size)) })
    const plain = segmScene(gt, dt)
    const packed = segmScene(compressed(gt), compressed(dt))
    expect(plain.objects.detections.maxIou[0]).toBe(1 / 7)
    expect(packed.summary).toEqual(plain.summary)
    expect(packed.objects.detections.maxIou).toEqual(plain.objects.detections.maxIou)
  })

  it('against a crowd region divides by the detection area: a 4×4 detection inside it scores 1', () => {
    const { objects } = segmScene(square(0, 0, 10), square(2, 2, 4), 1)
    expect(objects.detections.iou[0]).toBe(1)
    expect(objects.detections.status[0]).toBe(0)
  })

  it('is -1 for masks of different sizes whose boxes overlap, and 0 where they do not', () => {
    const big = rleFromBox(0, 0, 4, 4, 12, 12)
    expect(rleIou(rleFromBox(0, 0, 4, 4, 10, 10), big, false)).toBe(-1)
    const { objects } = segmScene(square(0, 0, 4), { size: [12, 12], counts: rleToString(rleFromBox(6, 6, 4, 4, 12, 12)) })
    expect(objects.detections.maxIou[0]).toBe(0)
  })
})

describe('polygons, rasterised as pycocotools does', () => {
  it('cover the pixels x .. x+w-1 and y .. y+h-1 of an integer box: [1, 1, 3, 2] in 5×5', () => {
    // Columns 1-3, rows 1-2, read column by column: 6 off, 2 on, 3 off, 2 on, 3 off, 2 on, 7 off.
    expect(Array.from(rleFromPolygon([1, 1, 4, 1, 4, 3, 1, 3], 5, 5).counts)).toEqual([6, 2, 3, 2, 3, 2, 7])
    expect(Array.from(rleFromBox(1, 1, 3, 2, 5, 5).counts)).toEqual([6, 2, 3, 2, 3, 2, 7])
  })

  it('merge the parts of one object into one mask', () => {
    const rle = segmentationToRle([[0, 0, 2, 0, 2, 2, 0, 2], [3, 3, 5, 3, 5, 5, 3, 5]], 5, 5)
    expect(rleArea(rle)).toBe(8)
  })

  it('read a first part of exactly four numbers as a box, as frPyObjects decides by length', () => {
    expect(segmentationToRle([[1, 1, 3, 2]], 5, 5)).toEqual(segmentationToRle([[1, 1, 1, 3, 4, 3, 4, 1]], 5, 5))
  })

  it('match a pixel mask of the same shape: a polygon square against an RLE detection, IoU 1/7', () => {
    const { objects } = segmScene([[0, 0, 4, 0, 4, 4, 0, 4]], square(2, 2, 4))
    expect(objects.detections.maxIou[0]).toBe(1 / 7)
  })
})

describe('mask results read as loadRes reads them', () => {
  it('take the mask area for a result without a box, the box area for one with a box', () => {
    const gt: CocoDataset = { images: [{ id: 1, width: 10, height: 10 }], categories: [{ id: 1, name: 'a' }], annotations: [] }
    const maskOnly = cocoEvaluationInput(gt, [{ image_id: 1, category_id: 1, score: 1, segmentation: square(2, 2, 4) }], 'segm')
    expect(maskOnly.input.detections.area[0]).toBe(16)
    const withBox = cocoEvaluationInput(gt, [{ image_id: 1, category_id: 1, score: 1, bbox: [0, 0, 5, 5], segmentation: square(2, 2, 4) }], 'segm')
    expect(withBox.input.detections.area[0]).toBe(25)
  })

  it('rasterise a box-only result as its four-corner polygon for mask IoU', () => {
    const gt: CocoDataset = {
      images: [{ id: 1, width: 10, height: 10 }],
      categories: [{ id: 1, name: 'a' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, area: 16, iscrowd: 0, segmentation: square(0, 0, 4) }],
    }
    const { objects } = evaluate(cocoEvaluationInput(gt, [{ image_id: 1, category_id: 1, score: 1, bbox: [2, 2, 4, 4] }], 'segm').input)
    expect(objects.detections.maxIou[0]).toBe(1 / 7)
  })
})
