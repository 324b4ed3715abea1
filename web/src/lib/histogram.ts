/**
 * Counts of confidences in `bins` equal-width buckets over [0, 1]. A confidence of exactly 1 falls
 * in the last bucket; missing and out-of-range values are not counted.
 */
export function confidenceHistogram(confidences: Iterable<number | null | undefined>, bins = 20): Uint32Array {
  const counts = new Uint32Array(bins)
  for (const c of confidences) {
    if (typeof c !== 'number' || !(c >= 0 && c <= 1)) continue
    counts[Math.min(bins - 1, Math.floor(c * bins))]!++
  }
  return counts
}

/** How many of the counted values lie at or above the threshold, taking whole buckets only. */
export function countAtOrAbove(histogram: Uint32Array, threshold: number): number {
  const first = Math.ceil(threshold * histogram.length - 1e-9)
  let n = 0
  for (let i = Math.max(0, first); i < histogram.length; i++) n += histogram[i]!
  return n
}
