/**
 * Numbers of an evaluation as the panels print them. COCO writes -1 for a stat with nothing to
 * measure (no ground truth in an area range, a class never annotated): that is "no value", not a
 * score below zero, so it prints as a dash, as does a ratio with nothing to divide by (null).
 */
export function formatMetric(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v < 0) return '—'
  return v.toFixed(digits)
}

/** A signed difference, for comparisons: `+0.012`, `−0.300`, or a dash when either side had no value. */
export function formatDelta(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const s = Math.abs(v).toFixed(digits)
  return v > 0 ? `+${s}` : v < 0 ? `−${s}` : s
}

/** A bar's length, 0..100 %, for metrics in 0..1; no value draws no bar. */
export const barPercent = (v: number | null | undefined) => (v === null || v === undefined || !(v > 0) ? 0 : Math.min(100, v * 100))
