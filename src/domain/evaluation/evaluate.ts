import { createAccumulation } from './accumulate'
import { type EvaluationInput, validateInput } from './columns'
import { type ConfusionMatrix, confusionMatrix } from './confusion'
import { evaluateBlocks } from './evaluate-blocks'
import { groupObjects } from './grouping'
import { createOutcomes, type ObjectOutcomes } from './objects'
import { overlapContext } from './overlap'
import { type AreaRange, type EvaluationOptions, type IouType, resolveParams } from './params'
import { curveSelection, DETECTION_STAT_NAMES, KEYPOINT_STAT_NAMES, type PerClassMetrics, perClassMetrics, type PrCurve, prCurves, summaryStats } from './summarize'

/** The JSON-safe part of an evaluation: what is stored and shown. See docs/evaluation.md#output. */
export interface EvaluationSummary {
  iou_type: IouType
  params: {
    iou_thresholds: number[]
    recall_thresholds: number[]
    max_dets: number[]
    area_ranges: AreaRange[]
    use_cats: boolean
    match_iou_threshold: number
  }
  /** summarize()'s numbers in its order (names in `stat_names`), -1 where undefined. */
  stats: number[]
  stat_names: string[]
  per_class: PerClassMetrics[]
  pr_curves: { recall_thresholds: number[]; area: string; max_dets: number; curves: PrCurve[] }
  confusion_matrix: ConfusionMatrix
  counts: { images: number; ground_truth: number; detections: number }
}

export interface Evaluation {
  summary: EvaluationSummary
  /** Per-object outcomes at `params.match_iou_threshold`, indexed like the input columns. */
  objects: ObjectOutcomes
}

/** With useCats off every object is one class; its row in per_class and the curves is named this. */
export const ALL_CLASSES = '*'

/**
 * COCO evaluation of detections against ground truth, as pycocotools' COCOeval computes it
 * (evaluate, accumulate, summarize), plus per-class numbers, PR curves, a confusion matrix and
 * per-object outcomes. Pure: no storage, runs in a Worker or in Node.
 */
export function evaluate(input: EvaluationInput, options: EvaluationOptions = {}): Evaluation {
  const params = resolveParams(input.iouType, options)
  validateInput(input, params.keypointSigmas.length)
  const { groundTruth: gt, detections: dt } = input
  const names = params.useCats ? input.classNames : [ALL_CLASSES]
  const grouping = groupObjects(input, params.useCats)
  const ctx = overlapContext(params, gt, dt)
  const curves = curveSelection(params)
  const acc = createAccumulation(params, names.length, curves)
  const outcomes = createOutcomes(params.matchIouThreshold, dt.count, gt.count)
  const all = params.areaRanges.find((r) => r.label === 'all') ?? { label: 'all', min: 0, max: 1e5 ** 2 }
  evaluateBlocks(input, params, grouping, ctx, acc, outcomes, all)

  const gtCount = new Array<number>(names.length).fill(0)
  const dtCount = new Array<number>(names.length).fill(0)
  for (let i = 0; i < gt.count; i++) if (!gt.iscrowd[i]) gtCount[params.useCats ? gt.category[i]! : 0]!++
  for (let i = 0; i < dt.count; i++) dtCount[params.useCats ? dt.category[i]! : 0]!++

  const curve = curves[0]
  const summary: EvaluationSummary = {
    iou_type: input.iouType,
    params: {
      iou_thresholds: Array.from(params.iouThresholds),
      recall_thresholds: Array.from(params.recallThresholds),
      max_dets: params.maxDets,
      area_ranges: params.areaRanges,
      use_cats: params.useCats,
      match_iou_threshold: params.matchIouThreshold,
    },
    stats: summaryStats(acc, params),
    stat_names: [...(input.iouType === 'keypoints' ? KEYPOINT_STAT_NAMES : DETECTION_STAT_NAMES)],
    per_class: perClassMetrics(acc, params, names, { gt: gtCount, dt: dtCount }),
    pr_curves: {
      recall_thresholds: Array.from(params.recallThresholds),
      area: curve ? params.areaRanges[curve.a]!.label : 'all',
      max_dets: curve ? params.maxDets[curve.m]! : params.maxDets[params.maxDets.length - 1]!,
      curves: prCurves(acc, params, names),
    },
    confusion_matrix: confusionMatrix(input, outcomes, ctx, params.confusionMinScore),
    counts: { images: input.imageCount, ground_truth: gt.count, detections: dt.count },
  }
  return { summary, objects: outcomes }
}
