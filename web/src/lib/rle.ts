/**
 * COCO run-length encoding, as pycocotools writes it: alternating runs of 0s and 1s (starting with
 * 0s) over the mask read column by column, for a mask of size [height, width]. `counts` is either
 * the plain array or pycocotools' compressed string (a LEB128-like code, 5 bits per character).
 */

import { decodeCountsOf, encodeCounts } from '../../../src/schemas/rle'

export interface Rle {
  counts: string | readonly number[]
  size: readonly [number, number]
}

/** pycocotools `rleFrString` (the codec is the server's, src/schemas/rle.ts). */
export function decodeCountsString(s: string): number[] {
  const decoded = decodeCountsOf(s)
  if (decoded.error !== undefined) throw new Error(decoded.error)
  return decoded.counts
}

/** pycocotools `rleToString`; the viewer only decodes, but tests round-trip through it. */
export const encodeCountsString = (counts: readonly number[]): string => encodeCounts(counts)

export function runLengths(counts: Rle['counts']): number[] {
  return typeof counts === 'string' ? decodeCountsString(counts) : [...counts]
}

/** A decoded mask in row-major order (`mask[y * width + x]`), which is how canvases lay out pixels. */
export interface Mask {
  width: number
  height: number
  data: Uint8Array
}

export function decodeRle(rle: Rle): Mask {
  const [height, width] = rle.size
  const total = height * width
  const data = new Uint8Array(total)
  const runs = runLengths(rle.counts)
  let pos = 0
  for (let i = 0; i < runs.length && pos < total; i++) {
    const end = Math.min(total, pos + runs[i]!)
    if (i % 2 === 1) {
      for (let p = pos; p < end; p++) {
        // Column-major position p is column floor(p / height), row p % height.
        const col = (p / height) | 0
        data[(p - col * height) * width + col] = 1
      }
    }
    pos = end
  }
  return { width, height, data }
}

/** Pixel bounds [x0, y0, x1, y1) of the set pixels, or null for an empty mask, without decoding. */
export function rleBounds(rle: Rle): [number, number, number, number] | null {
  const [height] = rle.size
  const runs = runLengths(rle.counts)
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  let pos = 0
  for (let i = 0; i < runs.length; i++) {
    const len = runs[i]!
    if (i % 2 === 1 && len > 0) {
      const c0 = Math.floor(pos / height)
      const c1 = Math.floor((pos + len - 1) / height)
      // A run that wraps into the next column covers the bottom of one column and the top of the next.
      const r0 = c1 > c0 ? 0 : pos % height
      const r1 = c1 > c0 ? height - 1 : (pos + len - 1) % height
      x0 = Math.min(x0, c0)
      x1 = Math.max(x1, c1 + 1)
      y0 = Math.min(y0, r0)
      y1 = Math.max(y1, r1 + 1)
    }
    pos += len
  }
  return x0 === Infinity ? null : [x0, y0, x1, y1]
}

export function maskArea(mask: Mask): number {
  let n = 0
  for (let i = 0; i < mask.data.length; i++) n += mask.data[i]!
  return n
}
