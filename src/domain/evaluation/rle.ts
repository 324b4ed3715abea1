import { decodeCountsOf, encodeCounts } from '../../schemas/rle'
import { invalidEvaluationInput } from './input-error'

/**
 * A binary mask in COCO's run-length encoding: alternating runs of 0s and 1s, starting with 0s,
 * over the pixels read column by column (x-major), for a mask `h` pixels high and `w` wide.
 * See docs/evaluation.md#masks.
 */
export interface Rle {
  h: number
  w: number
  counts: Uint32Array
}

function checked(counts: ArrayLike<number>, h: number, w: number, what: string): Rle {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 0 && w >= 0)) throw invalidEvaluationInput(`${what}: size must be two non-negative integers`)
  let total = 0
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!
    if (!(Number.isInteger(c) && c >= 0)) throw invalidEvaluationInput(`${what}: run lengths must be non-negative integers`)
    total += c
  }
  // pycocotools does not check this; a mask that does not cover its image is a corrupt file here.
  if (total !== h * w) throw invalidEvaluationInput(`${what}: run lengths add up to ${total}, not height × width = ${h * w}`)
  return { h, w, counts: Uint32Array.from(counts) }
}

/** An uncompressed RLE: `counts` as a plain list of run lengths. */
export const rleFromCounts = (counts: ArrayLike<number>, h: number, w: number): Rle => checked(counts, h, w, 'RLE counts')

/** pycocotools' compressed RLE string (rleFrString; the codec is in src/schemas/rle.ts). */
export function rleFromString(s: string, h: number, w: number): Rle {
  const decoded = decodeCountsOf(s)
  if (decoded.error !== undefined) throw invalidEvaluationInput(decoded.error)
  return checked(decoded.counts, h, w, 'RLE string')
}

/** pycocotools' rleToString, the inverse of rleFromString. */
export const rleToString = (rle: Rle): string => encodeCounts(rle.counts)

/** Pixels set: the sum of the odd-numbered runs. */
export function rleArea(rle: Rle): number {
  let a = 0
  for (let j = 1; j < rle.counts.length; j += 2) a += rle.counts[j]!
  return a
}

/**
 * pycocotools' rleToBbox, written out to the same result: a run of 1s that wraps into the next
 * column widens the box to the full image height, so the box can be looser than the mask's tight
 * one. It feeds the IoU prefilter (see `rleIou`), so it has to be this box and not the tight one.
 */
export function rleBbox(rle: Rle, out: Float64Array, offset: number): void {
  const { h, counts } = rle
  const m = counts.length - (counts.length % 2)
  if (m === 0) {
    out.fill(0, offset, offset + 4)
    return
  }
  let xs = rle.w
  let ys = h
  let xe = 0
  let ye = 0
  let cc = 0
  let xp = 0
  for (let j = 0; j < m; j++) {
    cc += counts[j]!
    const t = cc - (j % 2)
    const y = t % h
    const x = (t - y) / h
    if (j % 2 === 0) xp = x
    else if (xp < x) {
      ys = 0
      ye = h - 1
    }
    if (x < xs) xs = x
    if (x > xe) xe = x
    if (y < ys) ys = y
    if (y > ye) ye = y
  }
  out[offset] = xs
  out[offset + 1] = ys
  out[offset + 2] = xe - xs + 1
  out[offset + 3] = ye - ys + 1
}

/**
 * Walks two masks of the same size run by run and reports, for each stretch where neither changes,
 * its length and the two pixel values. Zero-length runs are stepped over.
 */
function walk(a: Uint32Array, b: Uint32Array, visit: (length: number, va: number, vb: number) => void): void {
  let i = 0
  let j = 0
  let ea = a[0] ?? 0
  let eb = b[0] ?? 0
  let pos = 0
  while (i < a.length && j < b.length) {
    const end = ea < eb ? ea : eb
    if (end > pos) visit(end - pos, i & 1, j & 1)
    pos = end
    if (ea === end && ++i < a.length) ea += a[i]!
    if (eb === end && ++j < b.length) eb += b[j]!
  }
}

/** The union of masks of one size (pycocotools' merge with intersect = 0), for multi-part polygons. */
export function rleUnion(rles: readonly Rle[]): Rle {
  if (rles.length === 0) return { h: 0, w: 0, counts: new Uint32Array(0) }
  let acc = rles[0]!
  for (let r = 1; r < rles.length; r++) {
    const next = rles[r]!
    // As rleMerge: parts of different sizes make an empty 0×0 mask.
    if (next.h !== acc.h || next.w !== acc.w) return { h: 0, w: 0, counts: new Uint32Array(0) }
    const out: number[] = []
    let value = 0
    let run = 0
    walk(acc.counts, next.counts, (length, va, vb) => {
      const v = va | vb
      if (v !== value) {
        out.push(run)
        run = 0
        value = v
      }
      run += length
    })
    out.push(run)
    acc = { h: acc.h, w: acc.w, counts: Uint32Array.from(out) }
  }
  return acc
}

/**
 * Mask IoU as pycocotools' rleIou computes it, once the boxes of the two masks overlap: masks of
 * different sizes give -1; no common pixel gives 0; against a crowd region the union is the
 * detection's own area (a detection inside a crowd is not punished for the rest of the crowd).
 */
export function rleIou(dt: Rle, gt: Rle, crowd: boolean): number {
  if (dt.h !== gt.h || dt.w !== gt.w) return -1
  let inter = 0
  let union = 0
  walk(dt.counts, gt.counts, (length, va, vb) => {
    if (va | vb) union += length
    if (va & vb) inter += length
  })
  if (inter === 0) return 0
  return inter / (crowd ? rleArea(dt) : union)
}
