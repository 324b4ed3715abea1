import { invalidEvaluationInput } from './input-error'

/**
 * Evaluation parameters, with COCOeval's defaults reproduced value for value.
 * See docs/evaluation.md#parameters.
 */

export type IouType = 'bbox' | 'segm' | 'keypoints'

export interface AreaRange {
  label: string
  min: number
  max: number
}

export interface EvaluationOptions {
  /** IoU (or OKS) thresholds; default .50:.05:.95. */
  iouThresholds?: readonly number[]
  /** Recall points of the precision-recall curve; default 0:.01:1 (101 points). */
  recallThresholds?: readonly number[]
  /** Detections kept per image and category; default [1, 10, 100] ([20] for keypoints). */
  maxDets?: readonly number[]
  /** Default all/small/medium/large for boxes and masks, all/medium/large for keypoints. */
  areaRanges?: readonly AreaRange[]
  /** false: match detections to ground truth of any class (pycocotools `useCats = 0`). */
  useCats?: boolean
  /** Per-keypoint OKS sigmas; default COCO's 17 person keypoints. */
  keypointSigmas?: readonly number[]
  /** IoU at which per-object outcomes and the confusion matrix are decided; default 0.5. */
  matchIouThreshold?: number
  /** Detections below this score are left out of the confusion matrix; default 0 (all of them). */
  confusionMinScore?: number
}

export interface EvaluationParams {
  iouType: IouType
  iouThresholds: Float64Array
  recallThresholds: Float64Array
  maxDets: number[]
  areaRanges: AreaRange[]
  useCats: boolean
  keypointSigmas: Float64Array
  matchIouThreshold: number
  confusionMinScore: number
}

/**
 * numpy.linspace(start, stop, num): `i * step + start`, with the last value set to `stop`. The
 * exact doubles matter: summarize() finds AP50 and AP75 by `==` against these thresholds, and
 * recall is compared to these recall points with searchsorted.
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num)
  const step = (stop - start) / (num - 1)
  for (let i = 0; i < num; i++) out[i] = i * step + start
  if (num > 1) out[num - 1] = stop
  return out
}

/** COCO's person-keypoint sigmas, in the order of its 17 keypoints (nose first). */
export const COCO_KEYPOINT_SIGMAS: readonly number[] = [
  0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89,
].map((s) => s / 10)

// 1e5 ** 2 as pycocotools writes it: "all" and "large" end at 1e10, not at infinity.
const AREA_ALL_MAX = 1e5 ** 2

export const BOX_AREA_RANGES: readonly AreaRange[] = [
  { label: 'all', min: 0, max: AREA_ALL_MAX },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: AREA_ALL_MAX },
]

export const KEYPOINT_AREA_RANGES: readonly AreaRange[] = [
  { label: 'all', min: 0, max: AREA_ALL_MAX },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: AREA_ALL_MAX },
]

function finiteList(name: string, values: readonly number[], check: (v: number) => boolean): number[] {
  if (values.length === 0 || !values.every((v) => Number.isFinite(v) && check(v))) {
    throw invalidEvaluationInput(`${name} must be a non-empty list of valid numbers`, { [name]: values })
  }
  return [...values]
}

export function resolveParams(iouType: IouType, options: EvaluationOptions = {}): EvaluationParams {
  const keypoints = iouType === 'keypoints'
  const iouThresholds = options.iouThresholds
    ? Float64Array.from(finiteList('iouThresholds', options.iouThresholds, (v) => v >= 0 && v <= 1))
    : linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1)
  const recallThresholds = options.recallThresholds
    ? Float64Array.from(finiteList('recallThresholds', options.recallThresholds, (v) => v >= 0 && v <= 1))
    : linspace(0, 1, Math.round((1 - 0) / 0.01) + 1)
  // evaluate() sorts maxDets, and summarize() then reads maxDets[0], [1] and [2] by position.
  const maxDets = finiteList('maxDets', options.maxDets ?? (keypoints ? [20] : [1, 10, 100]), (v) => Number.isInteger(v) && v > 0).sort(
    (a, b) => a - b,
  )
  const areaRanges = (options.areaRanges ?? (keypoints ? KEYPOINT_AREA_RANGES : BOX_AREA_RANGES)).map((r) => ({ ...r }))
  if (areaRanges.length === 0 || areaRanges.some((r) => !(r.min <= r.max))) throw invalidEvaluationInput('areaRanges must be non-empty, each with min <= max')
  const keypointSigmas = Float64Array.from(finiteList('keypointSigmas', options.keypointSigmas ?? COCO_KEYPOINT_SIGMAS, (v) => v > 0))
  const matchIouThreshold = options.matchIouThreshold ?? 0.5
  if (!(matchIouThreshold >= 0 && matchIouThreshold <= 1)) throw invalidEvaluationInput('matchIouThreshold must lie in [0, 1]')
  return {
    iouType,
    iouThresholds,
    recallThresholds,
    maxDets,
    areaRanges,
    useCats: options.useCats ?? true,
    keypointSigmas,
    matchIouThreshold,
    confusionMinScore: options.confusionMinScore ?? 0,
  }
}
