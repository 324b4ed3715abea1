import { describe, expect, it } from 'vitest'
import { drawnOutcomes, evaluatedAnalysis, judgeObjects, outcomeAt } from './evaluation-outcomes'
import type { EvaluationObject } from './evaluations-api'
import { buildScene } from './overlay-scene'
import { OUTCOME_STYLE } from './outcome-style'
import { analysisFixture, annotationFixture, boxFixture } from './test-fixtures'

const obj = (over: Partial<EvaluationObject>): EvaluationObject => ({
  kind: 'detection',
  id: 'd',
  image_id: 'i',
  class_name: 'dog',
  score: 0.9,
  status: 'tp',
  matched_id: null,
  iou: null,
  max_iou: null,
  matched_score: null,
  cell: null,
  paired_id: null,
  source: 'prediction',
  known_false_positive: false,
  ...over,
})

describe('outcomes at a confidence threshold', () => {
  it('leaves out detections below it and turns the ground truth they matched into misses', () => {
    expect(outcomeAt(obj({ score: 0.4 }), 0.5)).toBeNull()
    expect(outcomeAt(obj({ score: 0.5 }), 0.5)).toBe('tp')
    expect(outcomeAt(obj({ kind: 'ground_truth', status: 'tp', matched_score: 0.4, score: null }), 0.5)).toBe('fn')
    expect(outcomeAt(obj({ kind: 'ground_truth', status: 'tp', matched_score: 0.6, score: null }), 0.5)).toBe('tp')
    // A detection without a score ranks as 1: no threshold drops it.
    expect(outcomeAt(obj({ score: null, status: 'fp' }), 0.99)).toBe('fp')
  })

  it('counts a true positive once, by its detection, and keys outcomes by object id', () => {
    const objects = [
      obj({ id: 'd1', status: 'tp', score: 0.9, matched_id: 'g1' }),
      obj({ id: 'g1', kind: 'ground_truth', status: 'tp', score: null, matched_score: 0.9, matched_id: 'd1' }),
      obj({ id: 'd2', status: 'fp', score: 0.3 }),
      obj({ id: 'g2', kind: 'ground_truth', status: 'fn', score: null }),
    ]
    expect(judgeObjects(objects, 0).counts).toEqual({ tp: 1, fp: 1, fn: 1, ignored: 0 })
    const at = judgeObjects(objects, 0.95)
    expect(at.counts).toEqual({ tp: 0, fp: 0, fn: 2, ignored: 0 })
    expect(at.detections.size).toBe(0)
    expect(at.groundTruth.get('g1')).toBe('fn')
  })
})

describe('the judged analysis of an image', () => {
  it('is the newest completed one of the model version, or of the group', () => {
    const old = analysisFixture({ status: 'completed', created_at: '2025-01-01T00:00:00.000Z' })
    const newer = analysisFixture({ status: 'completed', created_at: '2025-02-01T00:00:00.000Z' })
    const running = analysisFixture({ status: 'processing', created_at: '2025-03-01T00:00:00.000Z' })
    const other = analysisFixture({ status: 'completed', model_version: '2.0.0', created_at: '2025-04-01T00:00:00.000Z', group_id: 'g' })
    const list = [old, running, newer, other]
    expect(evaluatedAnalysis(list, { model_name: 'yolo_v8', model_version: '1.0.0', group_id: null })?.id).toBe(newer.id)
    expect(evaluatedAnalysis(list, { model_name: null, model_version: null, group_id: 'g' })?.id).toBe(other.id)
    expect(evaluatedAnalysis(list, { model_name: 'yolo_v8', model_version: '9', group_id: null })).toBeNull()
  })
})

describe('what the overlay draws of each outcome', () => {
  it('counts only entries with a shape', () => {
    const scene = buildScene(
      [
        { annotation: boxFixture(0, 0, 10, 10), color: OUTCOME_STYLE.tp.color, outcome: 'tp' },
        { annotation: boxFixture(0, 0, 10, 10), color: OUTCOME_STYLE.fp.color, outcome: 'fp' },
        { annotation: annotationFixture({ annotation_type: 'classification', data: {} }), color: OUTCOME_STYLE.fp.color, outcome: 'fp' },
        { annotation: boxFixture(0, 0, 10, 10), color: '#000000' },
      ],
      { width: 100, height: 100 },
    )
    expect(drawnOutcomes([scene])).toEqual({ tp: 1, fp: 1 })
  })
})
