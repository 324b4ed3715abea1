import { describe, expect, it } from 'vitest'
import { annotationScale, boxFromData, fitView, panBy, pointInPolygon, polygonPoints, revealBox, scaleBox, toImage, toScreen, zoomAt } from './geometry'

describe('boxFromData', () => {
  it('reads x_min/y_min/x_max/y_max and left/top/right/bottom alike', () => {
    expect(boxFromData({ x_min: 10, y_min: 20, x_max: 110, y_max: 220 })).toEqual([10, 20, 110, 220])
    expect(boxFromData({ left: 10, top: 20, right: 110, bottom: 220 })).toEqual([10, 20, 110, 220])
  })

  it('returns null when a coordinate is missing or not a number', () => {
    expect(boxFromData({ x_min: 1, y_min: 2, x_max: 3 })).toBeNull()
    expect(boxFromData({ left: '1', top: 2, right: 3, bottom: 4 })).toBeNull()
  })
})

describe('coordinate scaling', () => {
  it('leaves coordinates alone when the annotation names no image size', () => {
    expect(annotationScale({}, { width: 512, height: 512 })).toEqual({ sx: 1, sy: 1 })
  })

  it('scales from the size the model saw to the natural size', () => {
    const s = annotationScale({ image_width: 256, image_height: 128 }, { width: 1024, height: 768 })
    expect(s).toEqual({ sx: 4, sy: 6 })
    expect(scaleBox([10, 10, 20, 20], s.sx, s.sy)).toEqual([40, 60, 80, 120])
  })

  it('fits a landscape image into a square viewport, centred', () => {
    const v = fitView({ width: 1000, height: 500 }, { width: 400, height: 400 })
    expect(v.scale).toBe(0.4)
    expect(v.tx).toBe(0)
    expect(v.ty).toBe(100)
    // The bottom-right corner lands where the letterbox ends.
    expect(toScreen(v, 1000, 500)).toEqual([400, 300])
  })

  it('maps natural pixels to screen pixels and back', () => {
    const v = { scale: 2.5, tx: -30, ty: 12 }
    const [sx, sy] = toScreen(v, 100, 40)
    expect([sx, sy]).toEqual([220, 112])
    expect(toImage(v, sx, sy)).toEqual([100, 40])
  })

  it('zooms about the pointer: the image point under it stays put', () => {
    const v = { scale: 1, tx: 50, ty: 20 }
    const before = toImage(v, 200, 150)
    const z = zoomAt(v, 3, 200, 150)
    expect(z.scale).toBe(3)
    const after = toImage(z, 200, 150)
    expect(after[0]).toBeCloseTo(before[0])
    expect(after[1]).toBeCloseTo(before[1])
  })

  it('clamps zoom and pans by screen pixels', () => {
    expect(zoomAt({ scale: 1, tx: 0, ty: 0 }, 1e6, 0, 0).scale).toBe(64)
    expect(panBy({ scale: 2, tx: 1, ty: 1 }, 5, -3)).toEqual({ scale: 2, tx: 6, ty: -2 })
  })
})

describe('revealBox', () => {
  const viewport = { width: 400, height: 300 }
  it('leaves the view alone when the box is already in sight', () => {
    const v = { scale: 2, tx: 0, ty: 0 }
    expect(revealBox(v, [10, 10, 50, 50], viewport)).toBe(v)
  })

  it('centres a box that is off screen without changing the zoom', () => {
    const v = revealBox({ scale: 2, tx: 0, ty: 0 }, [900, 900, 1000, 1000], viewport)
    expect(v.scale).toBe(2)
    expect(toScreen(v, 950, 950)).toEqual([200, 150])
  })
})

describe('polygons', () => {
  it('accepts [x, y] pairs and {x, y} objects', () => {
    expect(polygonPoints([[1, 2], { x: 3, y: 4 }, 'junk', [5]])).toEqual([1, 2, 3, 4])
  })

  it('tests points against a concave polygon', () => {
    // An L shape.
    const L = [0, 0, 10, 0, 10, 4, 4, 4, 4, 10, 0, 10]
    expect(pointInPolygon(2, 8, L)).toBe(true)
    expect(pointInPolygon(8, 2, L)).toBe(true)
    expect(pointInPolygon(8, 8, L)).toBe(false)
  })
})
