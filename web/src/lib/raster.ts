import { hexToRgb } from './palette'
import type { Mask } from './rle'

export interface Rgba {
  width: number
  height: number
  data: Uint8ClampedArray
}

/** Mask fill alpha out of 255; the outline is opaque, so the mask reads without hiding the photo. */
export const MASK_FILL_ALPHA = 110

/** Per pixel, how strongly the mask covers it (0 or 255 for a binary mask), for hit tests. */
export interface Coverage {
  width: number
  height: number
  data: Uint8Array
}

/**
 * A binary mask's set pixels in one colour, cropped to `bounds` [x0, y0, x1, y1) so that a small
 * object on a large image costs a small bitmap: a translucent fill and an opaque one-pixel outline
 * where a set pixel borders an unset one.
 */
export function maskToRgba(mask: Mask, color: string, bounds: readonly [number, number, number, number], alpha = MASK_FILL_ALPHA): Rgba & { coverage: Coverage } {
  const [x0, y0, x1, y1] = bounds
  const width = Math.max(1, x1 - x0)
  const height = Math.max(1, y1 - y0)
  const strength = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    const row = (y + y0) * mask.width
    for (let x = 0; x < width; x++) if (mask.data[row + x + x0] === 1) strength[y * width + x] = 255
  }
  const coverage = { width, height, data: strength }
  return { width, height, data: paintCoverage(coverage, color, alpha), coverage }
}

/** Colour, translucent inside, opaque on the edge: where a covered pixel touches an uncovered one. */
function paintCoverage(c: Coverage, color: string, alpha: number): Uint8ClampedArray {
  const { width, height, data } = c
  const [r, g, b] = hexToRgb(color)
  const out = new Uint8ClampedArray(width * height * 4)
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && data[y * width + x]! >= 128
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!
      if (v === 0) continue
      const o = (y * width + x) * 4
      const edge = v >= 128 && (!on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1))
      out[o] = r
      out[o + 1] = g
      out[o + 2] = b
      out[o + 3] = edge ? 255 : Math.round((v / 255) * alpha)
    }
  }
  return out
}

/**
 * A mask PNG's coverage: a pixel's strength is its luminance times its alpha, so both white-on-
 * black masks and transparent PNGs work.
 */
export function pngCoverage(pixels: Uint8ClampedArray, width: number, height: number): Coverage {
  const data = new Uint8Array(width * height)
  for (let i = 0, o = 0; i < data.length; i++, o += 4) {
    const lum = pixels[o]! * 0.299 + pixels[o + 1]! * 0.587 + pixels[o + 2]! * 0.114
    data[i] = Math.round((lum * pixels[o + 3]!) / 255)
  }
  return { width, height, data }
}

/** Tints a mask PNG in place: its coverage as a translucent fill with an opaque outline. */
export function tintMaskPixels(pixels: Uint8ClampedArray, width: number, height: number, color: string, alpha = MASK_FILL_ALPHA): Coverage {
  const coverage = pngCoverage(pixels, width, height)
  pixels.set(paintCoverage(coverage, color, alpha))
  return coverage
}

/** Where a coverage is non-zero, as [x0, y0, x1, y1) in its own pixels, or null when it is empty. */
export function coverageBounds(c: Coverage, min = 1): [number, number, number, number] | null {
  let x0 = c.width
  let y0 = c.height
  let x1 = -1
  let y1 = -1
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      if (c.data[y * c.width + x]! < min) continue
      if (x < x0) x0 = x
      if (x > x1) x1 = x
      if (y < y0) y0 = y
      y1 = y
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 + 1, y1 + 1]
}

/** Coverage strength 0..1 at a point given in the coverage's own (fractional) pixels. */
export function sampleCoverage(c: Coverage, x: number, y: number): number {
  const px = Math.floor(x)
  const py = Math.floor(y)
  if (px < 0 || py < 0 || px >= c.width || py >= c.height) return 0
  return c.data[py * c.width + px]! / 255
}
