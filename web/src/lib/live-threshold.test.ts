import { describe, expect, it } from 'vitest'
import type { MatchIndex } from './evaluations-api'
import { metricsAtThreshold, thresholdIndexOf } from './live-threshold'

// Class a: 0.9 TP, 0.6 FP, 0.3 TP of 3 ground truth; class b: 0.8 FP of 1 ground truth.
const fetched: MatchIndex = {
  evaluation_id: '00000000-0000-4000-8000-000000000001',
  class_names: ['a', 'b'],
  gt_count: [3, 1],
  start: [0, 3, 4],
  scores: [0.9, 0.6, 0.3, 0.8],
  tp: '1010',
}

describe('live threshold from the fetched match index', () => {
  const index = thresholdIndexOf(fetched)

  it('keeps scores at or above the threshold and counts per class, micro and macro', () => {
    const m = metricsAtThreshold(index, 0.6)
    expect(m.per_class[0]).toMatchObject({ class_name: 'a', tp: 1, fp: 1, fn: 2, precision: 0.5, recall: 1 / 3 })
    expect(m.per_class[0]!.f1).toBeCloseTo((2 * 0.5 * (1 / 3)) / (0.5 + 1 / 3), 12)
    expect(m.per_class[1]).toMatchObject({ class_name: 'b', tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0 })
    expect(m.overall).toMatchObject({ tp: 1, fp: 2, fn: 3, precision: 1 / 3, recall: 1 / 4 })
    expect(m.macro.precision).toBeCloseTo(0.25, 12)
  })

  it('drops a true positive below the threshold into the misses, and has no precision when nothing is kept', () => {
    expect(metricsAtThreshold(index, 0).per_class[0]).toMatchObject({ tp: 2, fp: 1, fn: 1 })
    const high = metricsAtThreshold(index, 0.95)
    expect(high.per_class.map((c) => c.precision)).toEqual([null, null])
    expect(high.overall).toMatchObject({ tp: 0, fn: 4, recall: 0, f1: null })
  })

  it('refuses an index whose lengths disagree', () => {
    expect(() => thresholdIndexOf({ ...fetched, tp: '101' })).toThrow(/lengths/)
  })
})
