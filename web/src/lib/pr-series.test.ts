import { describe, expect, it } from 'vitest'
import type { EvaluationResult } from './evaluations-api'
import { curveThresholds, prSeries } from './pr-series'

const curves: EvaluationResult['pr_curves'] = {
  recall_thresholds: [0, 0.25, 0.5, 0.75, 1],
  area: 'all',
  max_dets: 100,
  curves: [
    { class_name: 'dog', iou_threshold: 0.5, precision: [1, 1, 0.5, 0, 0], scores: [0.9, 0.9, 0.4, 0, 0] },
    { class_name: 'cat', iou_threshold: 0.5, precision: null, scores: null },
    { class_name: 'dog', iou_threshold: 0.75, precision: [1, 0, 0, 0, 0], scores: [0.9, 0, 0, 0, 0] },
  ],
}

describe('precision-recall series', () => {
  it('aligns each class on the recall points and cuts the zero tail past the highest recall reached', () => {
    const s = prSeries(curves, 0.5)
    expect(s.classes).toEqual(['dog', 'cat'])
    expect(s.recall).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(s.precision[0]).toEqual([1, 1, 0.5, null, null])
    expect(s.precision[1]).toEqual([null, null, null, null, null])
    expect(prSeries(curves, 0.75).precision[0]).toEqual([1, null, null, null, null])
  })

  it('lists the thresholds the curves were taken at', () => {
    expect(curveThresholds(curves)).toEqual([0.5, 0.75])
  })
})
