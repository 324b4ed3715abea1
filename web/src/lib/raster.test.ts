import { describe, expect, it } from 'vitest'
import { maskToRgba, tintMaskPixels } from './raster'
import { decodeRle } from './rle'

describe('rasters', () => {
  it('paints only the mask pixels, cropped to the bounds', () => {
    // 2×3 mask, column-major counts: column 1 fully set.
    const mask = decodeRle({ counts: [2, 2, 2], size: [2, 3] })
    const rgba = maskToRgba(mask, '#0072B2', [1, 0, 2, 2], 200)
    expect([rgba.width, rgba.height]).toEqual([1, 2])
    expect(Array.from(rgba.data)).toEqual([0, 114, 178, 200, 0, 114, 178, 200])
  })

  it('tints mask PNGs by luminance and alpha', () => {
    const px = new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0])
    tintMaskPixels(px, '#E69F00', 100)
    expect(Array.from(px)).toEqual([230, 159, 0, 100, 230, 159, 0, 0, 230, 159, 0, 0])
  })
})
