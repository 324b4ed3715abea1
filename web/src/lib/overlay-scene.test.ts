import { describe, expect, it } from 'vitest'
import { hitTest } from './hit-test'
import { buildScene, ItemKind, labelFor } from './overlay-scene'
import { annotationFixture, boxFixture } from './test-fixtures'

const natural = { width: 512, height: 512 }
const entry = (annotation = boxFixture(0, 0, 10, 10), color = '#E69F00', dashed = false) => ({ annotation, color, dashed })

describe('buildScene', () => {
  it('puts boxes of one colour and style into one layer, whichever form their coordinates take', () => {
    const scene = buildScene(
      [
        entry(boxFixture(10, 20, 30, 40)),
        entry(annotationFixture({ data: { left: 50, top: 60, right: 70, bottom: 80 } })),
        entry(boxFixture(0, 0, 5, 5), '#56B4E9'),
        entry(boxFixture(0, 0, 5, 5), '#56B4E9', true),
      ],
      natural,
    )
    expect(scene.boxes).toHaveLength(3)
    expect(Array.from(scene.boxes[0]!.rects)).toEqual([10, 20, 30, 40, 50, 60, 70, 80])
    expect(Array.from(scene.boxes[0]!.items)).toEqual([0, 1])
    expect(scene.boxes[2]!.dashed).toBe(true)
  })

  it('converts to natural pixels when the model saw a resized image', () => {
    const scene = buildScene([entry(boxFixture(10, 10, 20, 20, { data: { x_min: 10, y_min: 10, x_max: 20, y_max: 20, image_width: 256, image_height: 128 } }))], natural)
    expect(Array.from(scene.boxes[0]!.rects)).toEqual([20, 40, 40, 80])
    expect(Array.from(scene.bounds.slice(0, 4))).toEqual([20, 40, 40, 80])
  })

  it('draws keypoints with their skeleton and skips invisible points', () => {
    const kp = annotationFixture({
      annotation_type: 'keypoint',
      data: {
        keypoints: [
          { name: 'nose', x: 10, y: 10 },
          { name: 'eye', x: 20, y: 10 },
          { name: 'ear', x: 30, y: 10, visible: false },
        ],
        skeleton: [
          [0, 1],
          [1, 2],
        ],
      },
    })
    const scene = buildScene([entry(kp)], natural)
    expect(Array.from(scene.keypoints[0]!.points)).toEqual([10, 10, 20, 10])
    expect(Array.from(scene.keypoints[0]!.segments)).toEqual([10, 10, 20, 10])
    expect(scene.kinds[0]).toBe(ItemKind.Keypoints)
  })

  it('keeps polygons as rings and bitmaps as rasters; classification and custom have no geometry', () => {
    const scene = buildScene(
      [
        entry(annotationFixture({ annotation_type: 'polygon', data: { points: [[0, 0], [10, 0], [10, 10]] } })),
        entry(annotationFixture({ annotation_type: 'segmentation', data: { format: 'rle', counts: [0, 4], size: [2, 2], bbox: [0, 0, 2, 2], area: 4 } })),
        entry(annotationFixture({ annotation_type: 'heatmap', data: { width: 8, height: 8 }, storage_path: 'ml_outputs/x/heat.png' })),
        entry(annotationFixture({ annotation_type: 'classification', data: { score: 0.5 } })),
        entry(annotationFixture({ annotation_type: 'custom', data: { any: 'thing' } })),
      ],
      natural,
    )
    expect(Array.from(scene.polygons[0]!.rings)).toEqual([0, 6])
    expect(scene.rasters.map((r) => r.source)).toEqual(['rle', 'png'])
    // The 2×2 RLE covers the whole image once scaled to natural pixels.
    expect(Array.from(scene.bounds.slice(4, 8))).toEqual([0, 0, 512, 512])
    expect(Array.from(scene.kinds)).toEqual([ItemKind.Polygon, ItemKind.Raster, ItemKind.Raster, ItemKind.None, ItemKind.None])
  })

  it('labels with class and confidence, or the type when there is no class', () => {
    expect(labelFor({ class_name: 'cup', confidence: 0.876, annotation_type: 'bounding_box' })).toBe('cup 88%')
    expect(labelFor({ class_name: null, confidence: null, annotation_type: 'bounding_box' })).toBe('bounding box')
  })
})

describe('hitTest', () => {
  it('prefers the smallest shape under the point', () => {
    const scene = buildScene([entry(boxFixture(0, 0, 100, 100)), entry(boxFixture(40, 40, 60, 60))], natural)
    expect(hitTest(scene, 50, 50, 0)).toBe(1)
    expect(hitTest(scene, 10, 10, 0)).toBe(0)
    expect(hitTest(scene, 200, 200, 0)).toBe(-1)
  })

  it('uses the polygon outline, not its bounding box', () => {
    const tri = annotationFixture({ annotation_type: 'polygon', data: { points: [[0, 0], [100, 0], [0, 100]] } })
    const scene = buildScene([entry(tri)], natural)
    expect(hitTest(scene, 10, 10, 0)).toBe(0)
    expect(hitTest(scene, 90, 90, 0)).toBe(-1)
  })

  it('never hits full-image rasters', () => {
    const heat = annotationFixture({ annotation_type: 'heatmap', data: { width: 8, height: 8 }, storage_path: 'ml_outputs/x/h.png' })
    expect(hitTest(buildScene([entry(heat)], natural), 5, 5, 2)).toBe(-1)
  })
})
