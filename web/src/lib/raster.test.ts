import { describe, expect, it } from 'vitest'
import { coverageBounds, maskToRgba, pngCoverage, sampleCoverage, tintMaskPixels } from './raster'
import { decodeRle } from './rle'

describe('rasters', () => {
  it('paints only the mask pixels, cropped to the bounds, outlined where they meet unset pixels', () => {
    // 2×3 mask, column-major counts: column 1 fully set.
    const mask = decodeRle({ counts: [2, 2, 2], size: [2, 3] })
    const rgba = maskToRgba(mask, '#0072B2', [1, 0, 2, 2], 200)
    expect([rgba.width, rgba.height]).toEqual([1, 2])
    // Every pixel of a one-pixel-wide mask is on its edge.
    expect(Array.from(rgba.data)).toEqual([0, 114, 178, 255, 0, 114, 178, 255])
  })

  it('fills the inside of a mask translucently', () => {
    const mask = { width: 3, height: 3, data: new Uint8Array(9).fill(1) }
    const rgba = maskToRgba(mask, '#0072B2', [0, 0, 3, 3], 100)
    expect(rgba.data[4 * 4 + 3]).toBe(100)
    expect(rgba.data[3]).toBe(255)
    expect(sampleCoverage(rgba.coverage, 1.5, 1.5)).toBe(1)
  })

  it('tints mask PNGs by luminance and alpha and reports their coverage', () => {
    const px = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0])
    const coverage = tintMaskPixels(px, 3, 1, '#E69F00', 100)
    expect(Array.from(px)).toEqual([230, 159, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0])
    expect(Array.from(coverage.data)).toEqual([255, 0, 0])
  })

  it('finds the bounds of what a PNG covers', () => {
    const px = new Uint8ClampedArray(4 * 4 * 4)
    px.set([255, 255, 255, 255], (1 * 4 + 2) * 4)
    px.set([255, 255, 255, 255], (2 * 4 + 1) * 4)
    expect(coverageBounds(pngCoverage(px, 4, 4))).toEqual([1, 1, 3, 3])
    expect(coverageBounds(pngCoverage(new Uint8ClampedArray(16), 2, 2))).toBeNull()
  })
})
