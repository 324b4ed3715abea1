import { hexToRgb } from './palette'
import type { Mask } from './rle'

export interface Rgba {
  width: number
  height: number
  data: Uint8ClampedArray
}

/**
 * The set pixels of a mask in one colour, cropped to `bounds` [x0, y0, x1, y1) so that a small object
 * on a large image costs a small bitmap. Opacity is applied when drawing, so pixels are fully opaque
 * apart from `alpha`, which keeps the image readable under a mask at 100%.
 */
export function maskToRgba(mask: Mask, color: string, bounds: readonly [number, number, number, number], alpha = 150): Rgba {
  const [x0, y0, x1, y1] = bounds
  const width = Math.max(1, x1 - x0)
  const height = Math.max(1, y1 - y0)
  const [r, g, b] = hexToRgb(color)
  const out = new Uint8ClampedArray(width * height * 4)
  for (let y = 0; y < height; y++) {
    const row = (y + y0) * mask.width
    for (let x = 0; x < width; x++) {
      if (mask.data[row + x + x0] !== 1) continue
      const o = (y * width + x) * 4
      out[o] = r
      out[o + 1] = g
      out[o + 2] = b
      out[o + 3] = alpha
    }
  }
  return { width, height, data: out }
}

/**
 * Tints a mask PNG in place: a pixel's strength is its luminance times its alpha, so both white-on-
 * black masks and transparent PNGs work. Heatmaps are not tinted; they carry their own colour map.
 */
export function tintMaskPixels(pixels: Uint8ClampedArray, color: string, alpha = 150): void {
  const [r, g, b] = hexToRgb(color)
  for (let o = 0; o < pixels.length; o += 4) {
    const lum = (pixels[o]! * 0.299 + pixels[o + 1]! * 0.587 + pixels[o + 2]! * 0.114) / 255
    const strength = lum * (pixels[o + 3]! / 255)
    pixels[o] = r
    pixels[o + 1] = g
    pixels[o + 2] = b
    pixels[o + 3] = Math.round(strength * alpha)
  }
}
