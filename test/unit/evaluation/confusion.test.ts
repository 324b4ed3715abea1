import { describe, expect, it } from 'vitest'
import { BACKGROUND, NOT_IN_MATRIX } from '../../../src/domain/evaluation'
import { type DtSpec, evaluateScene, type GtSpec } from './scenes'

const box = (x: number, y: number, w: number, h: number) => [x, y, w, h]
const classes = { classes: ['cat', 'dog'] }

// A cat found, a dog taken for a cat, a cat missed, and a dog seen where there is nothing.
const gt: GtSpec[] = [
  { cls: 'cat', bbox: box(0, 0, 10, 10) },
  { cls: 'dog', bbox: box(50, 50, 10, 10) },
  { cls: 'cat', bbox: box(100, 100, 10, 10) },
]
const dt: DtSpec[] = [
  { cls: 'cat', bbox: box(0, 0, 10, 10), score: 0.9 },
  { cls: 'cat', bbox: box(50, 50, 10, 10), score: 0.8 },
  { cls: 'dog', bbox: box(200, 200, 10, 10), score: 0.7 },
]

describe('confusion matrix', () => {
  it('has true classes as rows and predicted as columns, background last in both', () => {
    const { summary } = evaluateScene(gt, dt, classes)
    expect(summary.confusion_matrix.labels).toEqual(['cat', 'dog', 'background'])
    expect(summary.confusion_matrix.counts).toEqual([
      [1, 0, 1], // cat: one found, one missed
      [1, 0, 0], // dog: predicted as cat
      [0, 1, 0], // nothing there: a dog predicted
    ])
    expect(summary.confusion_matrix.iou_threshold).toBe(0.5)
  })

  it('records for every object the one it is counted against, so a cell can list its objects', () => {
    const { objects } = evaluateScene(gt, dt, classes)
    expect(Array.from(objects.detections.confusion)).toEqual([0, 1, BACKGROUND])
    expect(Array.from(objects.groundTruth.confusion)).toEqual([0, 1, BACKGROUND])
  })

  it('agrees with the per-class outcomes: the diagonal is the true positives, rows add up to the ground truth', () => {
    const { summary, objects } = evaluateScene(gt, dt, classes)
    const tp = (k: number) => Array.from(objects.detections.status).filter((s, i) => s === 1 && [0, 0, 1][i] === k).length
    expect([summary.confusion_matrix.counts[0]![0], summary.confusion_matrix.counts[1]![1]]).toEqual([tp(0), tp(1)])
    expect(summary.confusion_matrix.counts.slice(0, 2).map((row) => row.reduce((a, b) => a + b))).toEqual(summary.per_class.map((c) => c.gt_count))
  })

  it('pairs a left-over detection with the free ground truth of another class it overlaps most', () => {
    const scene: GtSpec[] = [
      { cls: 'cat', bbox: box(0, 0, 10, 10) },
      { cls: 'cow', bbox: box(2, 0, 10, 10) },
    ]
    // The dog box overlaps the cat by 80/120 and the cow by 100/100.
    const { summary } = evaluateScene(scene, [{ cls: 'dog', bbox: box(2, 0, 10, 10), score: 0.9 }], { classes: ['cat', 'cow', 'dog'] })
    expect(summary.confusion_matrix.counts).toEqual([
      [0, 0, 0, 1],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ])
  })

  it('leaves out detections below its minimum score, and their ground truth becomes a miss', () => {
    const at75 = evaluateScene(gt, dt, classes, { confusionMinScore: 0.75 }).summary.confusion_matrix
    expect(at75.counts[2]).toEqual([0, 0, 0])
    expect(at75.min_score).toBe(0.75)
    const at95 = evaluateScene(gt, dt, classes, { confusionMinScore: 0.95 })
    expect(at95.summary.confusion_matrix.counts).toEqual([
      [0, 0, 2],
      [0, 0, 1],
      [0, 0, 0],
    ])
    expect(Array.from(at95.objects.detections.confusion)).toEqual([NOT_IN_MATRIX, NOT_IN_MATRIX, NOT_IN_MATRIX])
  })

  it('leaves out crowd regions and what falls in them', () => {
    const { summary, objects } = evaluateScene([{ cls: 'cat', bbox: box(0, 0, 100, 100), iscrowd: 1 }], [{ cls: 'cat', bbox: box(10, 10, 10, 10), score: 0.9 }], classes)
    expect(summary.confusion_matrix.counts.flat().every((c) => c === 0)).toBe(true)
    expect([objects.detections.confusion[0], objects.groundTruth.confusion[0]]).toEqual([NOT_IN_MATRIX, NOT_IN_MATRIX])
  })
})
