import type { EvaluationResult } from './evaluations-api'

export interface PrSeries {
  iou: number
  /** The 101 recall points, the x axis. */
  recall: number[]
  classes: string[]
  /** Per class: precision at each recall point; null where the recall is never reached or the class has no ground truth. */
  precision: (number | null)[][]
}

/**
 * The precision-recall curves at one IoU threshold, aligned on the recall points for a chart.
 * COCO stores 0 precision beyond the highest recall a class reaches; that tail is not part of the
 * curve, so it is left out (null) rather than drawn as a drop to zero.
 */
export function prSeries(curves: EvaluationResult['pr_curves'], iou: number): PrSeries {
  const at = curves.curves.filter((c) => Math.abs(c.iou_threshold - iou) < 1e-9)
  return {
    iou,
    recall: curves.recall_thresholds,
    classes: at.map((c) => c.class_name),
    precision: at.map((c) => {
      if (!c.precision) return curves.recall_thresholds.map(() => null)
      let last = c.precision.length - 1
      while (last >= 0 && !(c.precision[last]! > 0)) last--
      return c.precision.map((p, i) => (i > last || p < 0 ? null : p))
    }),
  }
}

/** The IoU thresholds the stored curves were taken at (.50 and .75 when they were evaluated). */
export const curveThresholds = (curves: EvaluationResult['pr_curves']) => [...new Set(curves.curves.map((c) => c.iou_threshold))].sort((a, b) => a - b)
