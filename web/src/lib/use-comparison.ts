import { useMemo } from 'preact/hooks'
import { passesThreshold } from './filters'
import { boxFromData, annotationScale, type Size } from './geometry'
import { matchBoxes, type MatchCandidate } from './matching'
import { buildScene, type SceneEntry } from './overlay-scene'
import { MATCH_COLORS } from './palette'
import type { Annotation } from './types'

export interface CompareVisibility {
  matched: boolean
  onlyA: boolean
  onlyB: boolean
}

function candidates(list: readonly Annotation[], threshold: number, natural: Size) {
  const annotations: Annotation[] = []
  const boxes: MatchCandidate[] = []
  for (const a of list) {
    if (a.annotation_type !== 'bounding_box' || !passesThreshold(a, threshold)) continue
    const box = boxFromData(a.data)
    if (!box) continue
    // Match in natural pixels, so two models that ran at different input sizes still line up.
    const { sx, sy } = annotationScale(a.data, natural)
    annotations.push(a)
    boxes.push({ box: [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy], className: a.class_name, confidence: a.confidence })
  }
  return { annotations, boxes }
}

/** Two analyses' boxes matched by IoU within a class, as two scenes: A solid, B dashed, coloured by outcome. */
export function useComparison(a: readonly Annotation[], b: readonly Annotation[], threshold: number, iouThreshold: number, natural: Size, show: CompareVisibility) {
  const left = useMemo(() => candidates(a, threshold, natural), [a, threshold, natural.width, natural.height])
  const right = useMemo(() => candidates(b, threshold, natural), [b, threshold, natural.width, natural.height])
  const match = useMemo(() => matchBoxes(left.boxes, right.boxes, iouThreshold), [left, right, iouThreshold])

  const scenes = useMemo(() => {
    const entriesA: SceneEntry[] = []
    left.annotations.forEach((annotation, i) => {
      const matched = match.matchOfA[i] !== -1
      if (matched ? show.matched : show.onlyA) entriesA.push({ annotation, color: matched ? MATCH_COLORS.matched : MATCH_COLORS.onlyA })
    })
    const entriesB: SceneEntry[] = []
    right.annotations.forEach((annotation, j) => {
      const matched = match.matchOfB[j] !== -1
      if (matched ? show.matched : show.onlyB) entriesB.push({ annotation, color: matched ? MATCH_COLORS.matched : MATCH_COLORS.onlyB, dashed: true })
    })
    return { a: buildScene(entriesA, natural), b: buildScene(entriesB, natural) }
  }, [left, right, match, show.matched, show.onlyA, show.onlyB, natural.width, natural.height])

  const partner = useMemo(() => {
    const map = new Map<string, { other: Annotation; iou: number }>()
    for (const [i, j, iou] of match.pairs) {
      const x = left.annotations[i]!
      const y = right.annotations[j]!
      map.set(x.id, { other: y, iou })
      map.set(y.id, { other: x, iou })
    }
    return map
  }, [match, left, right])

  return {
    scenes,
    partner,
    counts: { matched: match.pairs.length, onlyA: match.onlyA.length, onlyB: match.onlyB.length },
    skipped: a.length - left.annotations.length + b.length - right.annotations.length,
  }
}
