import { COCO_KEYPOINT_SIGMAS, ColumnsBuilder, type IouType } from '../evaluation'
import { overlap, overlapContext } from '../evaluation/overlap'
import { resolveParams } from '../evaluation/params'
import { annotationGeometry, type Geometry, type ImageSize } from '../evaluations/geometry'
import { COCO_KEYPOINT_NAMES } from '../evaluations/scope'
import type { ComparePair } from '../../schemas/project-review'

/**
 * Two model versions' objects on one image, paired the way a person would pair them: the same
 * object seen by both (`matched`), the same object given another class (`class_changed`, so a
 * dog/wolf disagreement at one spot is one disagreement and not two misses), and what only one of
 * them found. See docs/evaluation.md#comparing-two-versions.
 */

export interface CompareObject {
  id: string
  annotation_type: string
  class_name: string | null
  confidence: number | null
  data: Record<string, unknown>
  review_state?: string
}

/** What is compared, by the annotation types it reads: polygons and RLE masks are both regions. */
export const COMPARED_GROUPS = {
  bounding_box: ['bounding_box'],
  segmentation: ['segmentation', 'polygon'],
  keypoint: ['keypoint'],
  classification: ['classification'],
} as const satisfies Record<string, readonly string[]>

export type CompareGroup = keyof typeof COMPARED_GROUPS
export const COMPARED_TYPES: readonly string[] = Object.values(COMPARED_GROUPS).flat()

const GROUP_OF = new Map<string, CompareGroup>(Object.entries(COMPARED_GROUPS).flatMap(([g, types]) => types.map((t) => [t, g as CompareGroup])))
const IOU_TYPE: Record<Exclude<CompareGroup, 'classification'>, IouType> = { bounding_box: 'bbox', segmentation: 'segm', keypoint: 'keypoints' }

// A keypoint COCO does not name gets the mean of COCO's sigmas: a typical body joint's tolerance.
const COCO_SIGMA = new Map<string, number>(COCO_KEYPOINT_NAMES.map((n, i) => [n, COCO_KEYPOINT_SIGMAS[i]!]))
const DEFAULT_SIGMA = COCO_KEYPOINT_SIGMAS.reduce((s, v) => s + v, 0) / COCO_KEYPOINT_SIGMAS.length

/** Most confident first; equal confidences keep the order they were posted in. A missing one ranks as certain. */
const byConfidence = (list: readonly { confidence: number | null }[]) => (i: number, j: number) => (list[j]!.confidence ?? 1) - (list[i]!.confidence ?? 1) || i - j

export function pairImage(image: ImageSize, a: readonly CompareObject[], b: readonly CompareObject[], iou: number): ComparePair[] {
  const pairs: ComparePair[] = []
  for (const group of Object.keys(COMPARED_GROUPS) as CompareGroup[]) {
    const as = a.filter((o) => GROUP_OF.get(o.annotation_type) === group)
    const bs = b.filter((o) => GROUP_OF.get(o.annotation_type) === group)
    if (as.length || bs.length) pairs.push(...(group === 'classification' ? pairLabels(as, bs) : pairRegions(group, image, as, bs, iou)))
  }
  return pairs
}

const pair = (group: CompareGroup, outcome: ComparePair['outcome'], a: CompareObject | null, b: CompareObject | null, iou: number | null): ComparePair => ({
  outcome,
  annotation_type: group,
  a_id: a?.id ?? null,
  b_id: b?.id ?? null,
  a_class: a?.class_name ?? null,
  b_class: b?.class_name ?? null,
  iou,
})

/**
 * An image's label is its most confident classification (a top-5 output's lower ranks are its
 * doubts, not more objects): the same label matches, another is a class change.
 */
function pairLabels(a: readonly CompareObject[], b: readonly CompareObject[]): ComparePair[] {
  const top = (list: readonly CompareObject[]) => (list.length ? list[list.map((_, i) => i).sort(byConfidence(list))[0]!]! : null)
  const [ta, tb] = [top(a), top(b)]
  if (ta && tb) return [pair('classification', ta.class_name === tb.class_name ? 'matched' : 'class_changed', ta, tb, null)]
  return [ta ? pair('classification', 'only_a', ta, null, null) : pair('classification', 'only_b', null, tb, null)]
}

interface Placed {
  objects: CompareObject[]
  /** Column index of each object, or -1 when its geometry cannot be read for this group. */
  columns: number[]
}

/**
 * Regions by IoU (boxes, masks) or OKS (keypoints, with A as the reference whose extent scales the
 * distances), computed by the evaluation engine's own overlap. Greedy by B's confidence, first
 * within a class, then across classes among what is left, as the confusion matrix pairs objects.
 */
function pairRegions(group: Exclude<CompareGroup, 'classification'>, image: ImageSize, a: readonly CompareObject[], b: readonly CompareObject[], threshold: number): ComparePair[] {
  const iouType = IOU_TYPE[group]
  const names = iouType === 'keypoints' ? keypointNames([...a, ...b]) : []
  const ref = new ColumnsBuilder(iouType, names.length)
  const cand = new ColumnsBuilder(iouType, names.length)
  const place = (list: readonly CompareObject[], builder: ColumnsBuilder, add: (g: Geometry, o: CompareObject) => number): Placed => ({
    objects: [...list],
    columns: list.map((o) => {
      const g = annotationGeometry(o.annotation_type, o.data, iouType, image, names)
      return g ? add(g, o) : -1
    }),
  })
  const A = place(a, ref, (g) => ref.addGroundTruth({ image: 0, category: 0, ...g, ...(g.numKeypoints !== undefined ? { numKeypoints: g.numKeypoints } : {}) }))
  const B = place(b, cand, (g, o) => cand.addDetection({ image: 0, category: 0, ...g, score: o.confidence ?? 1 }))
  const params = resolveParams(iouType, iouType === 'keypoints' ? { keypointSigmas: names.map((n) => COCO_SIGMA.get(n) ?? DEFAULT_SIGMA) } : {})
  const ctx = overlapContext(params, ref.groundTruth(), cand.detections())

  const takenA = new Int8Array(a.length)
  const takenB = new Int8Array(b.length)
  const out: ComparePair[] = []
  const order = b.map((_, j) => j).sort(byConfidence(b))
  for (const sameClass of [true, false]) {
    for (const j of order) {
      if (takenB[j] || B.columns[j] === -1) continue
      let best = -1
      let bestIou = -1
      for (let i = 0; i < a.length; i++) {
        if (takenA[i] || A.columns[i] === -1 || (sameClass && a[i]!.class_name !== b[j]!.class_name)) continue
        const v = overlap(ctx, B.columns[j]!, A.columns[i]!)
        if (v >= threshold && v > bestIou) {
          best = i
          bestIou = v
        }
      }
      if (best === -1) continue
      takenA[best] = 1
      takenB[j] = 1
      out.push(pair(group, a[best]!.class_name === b[j]!.class_name ? 'matched' : 'class_changed', a[best]!, b[j]!, bestIou))
    }
  }
  a.forEach((o, i) => !takenA[i] && A.columns[i] !== -1 && out.push(pair(group, 'only_a', o, null, null)))
  b.forEach((o, j) => !takenB[j] && B.columns[j] !== -1 && out.push(pair(group, 'only_b', null, o, null)))
  return out
}

/** The keypoint names either side uses, COCO's first in COCO's order, then the rest by name. */
function keypointNames(objects: readonly CompareObject[]): string[] {
  const seen = new Set<string>()
  for (const o of objects) for (const p of (Array.isArray(o.data.keypoints) ? o.data.keypoints : []) as { name?: unknown }[]) if (typeof p?.name === 'string') seen.add(p.name)
  return [...COCO_KEYPOINT_NAMES.filter((n) => seen.has(n)), ...[...seen].filter((n) => !COCO_SIGMA.has(n)).sort()]
}
