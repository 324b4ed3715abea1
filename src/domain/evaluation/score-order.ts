/**
 * Orders object indices by score, highest first, ties kept in their current order: what
 * pycocotools gets from `np.argsort(-scores, kind='mergesort')`, and what makes its results
 * independent of the sort algorithm. Short lists use an insertion sort; longer ones a stable LSD
 * radix sort on the scores' IEEE bits, O(n) with no comparator calls, so that sorting the 300,000
 * detections of a large evaluation costs milliseconds.
 */

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)

/** Sorts `idx[0 .. n)` in place by `score[idx[i]]`, descending and stable. */
export function sortByScoreDesc(idx: Int32Array, n: number, score: ArrayLike<number>): void {
  if (n <= 24) {
    for (let i = 1; i < n; i++) {
      const v = idx[i]!
      const s = score[v]!
      let j = i - 1
      while (j >= 0 && score[idx[j]!]! < s) {
        idx[j + 1] = idx[j]!
        j--
      }
      idx[j + 1] = v
    }
    return
  }
  // Keys that sort ascending as the scores sort descending: IEEE order made unsigned (flip the
  // sign bit of positives, every bit of negatives), then inverted. -0 counts as 0, as in numpy.
  const lo = new Uint32Array(n)
  const hi = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const s = score[idx[i]!]!
    f64[0] = s === 0 ? 0 : s
    let l = u32[0]!
    let h = u32[1]!
    if (h >>> 31) {
      l = ~l
      h = ~h
    } else h ^= 0x80000000
    lo[i] = ~l >>> 0
    hi[i] = ~h >>> 0
  }
  let from: Int32Array = idx.subarray(0, n)
  let fromLo = lo
  let fromHi = hi
  let to: Int32Array = new Int32Array(n)
  let toLo = new Uint32Array(n)
  let toHi = new Uint32Array(n)
  const count = new Int32Array(256)
  for (let pass = 0; pass < 8; pass++) {
    const keys = pass < 4 ? fromLo : fromHi
    const shift = (pass % 4) * 8
    count.fill(0)
    for (let i = 0; i < n; i++) count[(keys[i]! >>> shift) & 0xff]!++
    // A byte all keys share (the high bytes of scores in [0, 1]) leaves the order as it is.
    if (count[(keys[0]! >>> shift) & 0xff] === n) continue
    let sum = 0
    for (let b = 0; b < 256; b++) {
      const c = count[b]!
      count[b] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const p = count[(keys[i]! >>> shift) & 0xff]!++
      to[p] = from[i]!
      toLo[p] = fromLo[i]!
      toHi[p] = fromHi[i]!
    }
    ;[from, to] = [to, from]
    ;[fromLo, toLo] = [toLo, fromLo]
    ;[fromHi, toHi] = [toHi, fromHi]
  }
  // After an odd number of passes the result sits in the scratch array.
  if (from.buffer !== idx.buffer) idx.set(from)
}
