/**
 * COCO run-length encoding as pycocotools writes it: alternating runs of 0s and 1s, starting with
 * 0s, over a [height, width] mask read column by column. `counts` is the plain array or the
 * compressed string (`rleToString`): 5-bit groups offset by 48, each count after the third stored
 * as the difference from the count two before. Arithmetic instead of bit shifts keeps counts past
 * 2^31 exact.
 */

export type RleCounts = string | readonly number[]

/** A compressed string's counts, or why it is not one. */
export type DecodedCounts = { counts: number[]; error?: undefined } | { error: string }

/**
 * pycocotools `rleFrString`: the counts of a compressed string, or what is wrong with it (a
 * character outside the alphabet, a count cut off). Run lengths are not checked here: each reader
 * has its own rule for them.
 */
export function decodeCountsOf(s: string): DecodedCounts {
  const counts: number[] = []
  let p = 0
  while (p < s.length) {
    let x = 0
    let k = 0
    for (let more = true; more; k++) {
      if (p >= s.length) return { error: 'RLE string ends in the middle of a count' }
      const c = s.charCodeAt(p) - 48
      if (c < 0 || c > 63) return { error: `RLE string has an invalid character at ${p}` }
      p++
      x += (c & 0x1f) * 2 ** (5 * k)
      more = (c & 0x20) !== 0
      if (!more && c & 0x10) x -= 2 ** (5 * (k + 1))
    }
    if (counts.length > 2) x += counts[counts.length - 2]!
    counts.push(x)
  }
  return { counts }
}

/** pycocotools `rleFrString`, strictly: null for a character outside the alphabet, a cut-off count, or a negative run. */
export function decodeCounts(s: string): number[] | null {
  const decoded = decodeCountsOf(s)
  if (decoded.error !== undefined) return null
  return decoded.counts.every((x) => x >= 0 && Number.isSafeInteger(x)) ? decoded.counts : null
}

/** pycocotools `rleToString`. Results files need this form; pycocotools cannot take the area of an array. */
export function encodeCounts(counts: ArrayLike<number>): string {
  let out = ''
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]! - (i > 2 ? counts[i - 2]! : 0)
    for (let more = true; more; ) {
      let c = ((x % 32) + 32) % 32
      x = Math.floor(x / 32)
      more = c & 0x10 ? x !== -1 : x !== 0
      if (more) c |= 0x20
      out += String.fromCharCode(c + 48)
    }
  }
  return out
}

export const runsOf = (counts: RleCounts): number[] | null => (typeof counts === 'string' ? decodeCounts(counts) : [...counts])

/** The number of set pixels: the odd runs. */
export function rleArea(runs: readonly number[]): number {
  let n = 0
  for (let i = 1; i < runs.length; i += 2) n += runs[i]!
  return n
}

/** COCO's `[x, y, width, height]` of the set pixels (pycocotools `toBbox`), or zeros for an empty mask. */
export function rleBbox(runs: readonly number[], height: number): [number, number, number, number] {
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
      x0 = Math.min(x0, c0)
      x1 = Math.max(x1, c1 + 1)
      y0 = Math.min(y0, c1 > c0 ? 0 : pos % height)
      y1 = Math.max(y1, (c1 > c0 ? height - 1 : (pos + len - 1) % height) + 1)
    }
    pos += len
  }
  return x0 === Infinity ? [0, 0, 0, 0] : [x0, y0, x1 - x0, y1 - y0]
}

/**
 * The mask resampled to another [height, width] by nearest neighbour on pixel centres, working on
 * runs, never on pixels: each target column copies the set row intervals of its source column.
 */
export function resampleRuns(runs: readonly number[], from: readonly [number, number], to: readonly [number, number]): number[] {
  const [h, w] = from
  const [H, W] = to
  // The set rows of each source column, as [start, end) intervals.
  const columns: [number, number][][] = Array.from({ length: w }, () => [])
  let pos = 0
  for (let i = 0; i < runs.length; i++) {
    const len = runs[i]!
    if (i % 2 === 1) {
      for (let p = pos; p < pos + len; ) {
        const col = Math.floor(p / h)
        const end = Math.min(pos + len, (col + 1) * h)
        columns[col]?.push([p - col * h, end - col * h])
        p = end
      }
    }
    pos += len
  }
  // Target row Y samples source row floor((Y + 0.5) * h / H); so source rows [r0, r1) fill target rows [⌈r0·H/h − ½⌉, ⌈r1·H/h − ½⌉).
  const toRow = (r: number) => Math.min(H, Math.max(0, Math.ceil((r * H) / h - 0.5)))
  const out: number[] = []
  let at = 0
  let ones = false
  const emit = (start: number, end: number) => {
    if (end <= start) return
    if (ones && start === at) out[out.length - 1]! += end - start
    else out.push(start - at, end - start)
    at = end
    ones = true
  }
  for (let X = 0; X < W; X++) {
    const sx = Math.min(w - 1, Math.floor(((X + 0.5) * w) / W))
    for (const [r0, r1] of columns[sx]!) emit(X * H + toRow(r0), X * H + toRow(r1))
  }
  if (!ones) out.push(H * W)
  else if (at < H * W) out.push(H * W - at)
  return out
}
