import type { Box } from './geometry'

export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0])
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1])
  if (iw <= 0 || ih <= 0) return 0
  const inter = iw * ih
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
  return union > 0 ? inter / union : 0
}

export interface MatchCandidate {
  box: Box
  className: string | null
  confidence: number | null
}

export interface MatchResult {
  /** [index in A, index in B, IoU] */
  pairs: [number, number, number][]
  onlyA: number[]
  onlyB: number[]
  /** For each box, the index it is matched to on the other side, or -1. */
  matchOfA: Int32Array
  matchOfB: Int32Array
}

const byConfidenceDesc = (list: readonly MatchCandidate[]) => (i: number, j: number) =>
  (list[j]!.confidence ?? 0) - (list[i]!.confidence ?? 0) || i - j

/**
 * Greedy matching as COCO evaluation does it: take A's boxes from the most confident down, and give
 * each the unmatched B box of the same class with the highest IoU at or above the threshold; ties go
 * to the more confident B box. Comparing only within a class keeps this far from n × m in practice.
 */
export function matchBoxes(a: readonly MatchCandidate[], b: readonly MatchCandidate[], threshold: number): MatchResult {
  const matchOfA = new Int32Array(a.length).fill(-1)
  const matchOfB = new Int32Array(b.length).fill(-1)
  const bByClass = new Map<string | null, number[]>()
  for (let j = 0; j < b.length; j++) {
    const key = b[j]!.className
    let list = bByClass.get(key)
    if (!list) bByClass.set(key, (list = []))
    list.push(j)
  }
  for (const list of bByClass.values()) list.sort(byConfidenceDesc(b))

  const order = a.map((_, i) => i).sort(byConfidenceDesc(a))
  const pairs: [number, number, number][] = []
  for (const i of order) {
    const candidates = bByClass.get(a[i]!.className)
    if (!candidates) continue
    let best = -1
    let bestIou = 0
    for (const j of candidates) {
      if (matchOfB[j] !== -1) continue
      const overlap = iou(a[i]!.box, b[j]!.box)
      // Strictly greater, so among equal overlaps the more confident B box (earlier) keeps it.
      if (overlap >= threshold && overlap > bestIou) {
        best = j
        bestIou = overlap
      }
    }
    if (best !== -1) {
      matchOfA[i] = best
      matchOfB[best] = i
      pairs.push([i, best, bestIou])
    }
  }
  const onlyA: number[] = []
  const onlyB: number[] = []
  matchOfA.forEach((m, i) => m === -1 && onlyA.push(i))
  matchOfB.forEach((m, j) => m === -1 && onlyB.push(j))
  return { pairs, onlyA, onlyB, matchOfA, matchOfB }
}
