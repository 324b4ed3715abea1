import { describe, expect, it } from 'vitest'
import { cocoEvaluationInput, evaluate, objectRows } from '../../../src/domain/evaluation'
import { metricsAtThreshold, thresholdIndex, thresholdMatchesFromOutcomes, thresholdMatchesFromRows } from '../../../src/domain/evaluation/threshold'
import { type DtSpec, type GtSpec, scene } from './scenes'

const box = (x: number, y: number, w: number, h: number) => [x, y, w, h]

describe('metrics at a confidence threshold', () => {
  // Class a: detections .9 (TP), .8 (FP), .3 (TP) against 3 ground truths.
  const index = thresholdIndex({ classNames: ['a'], category: [0, 0, 0], score: [0.8, 0.3, 0.9], truePositive: [0, 1, 1], gtCount: [3] })

  it('keeps detections at or above the threshold and counts the rest of the ground truth as missed', () => {
    // At .5: .9 (TP) and .8 (FP) kept: P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4.
    expect(metricsAtThreshold(index, 0.5).per_class[0]).toEqual({ class_name: 'a', tp: 1, fp: 1, fn: 2, precision: 0.5, recall: 1 / 3, f1: expect.closeTo(0.4, 15) })
    expect(metricsAtThreshold(index, 0).overall).toMatchObject({ tp: 2, fp: 1, fn: 1, precision: 2 / 3, recall: 2 / 3 })
    expect(metricsAtThreshold(index, 0.8).per_class[0]).toMatchObject({ tp: 1, fp: 1 })
  })

  it('reports precision and F1 as null when nothing is kept, recall as null when nothing is to be found', () => {
    expect(metricsAtThreshold(index, 0.95).per_class[0]).toEqual({ class_name: 'a', tp: 0, fp: 0, fn: 3, precision: null, recall: 0, f1: null })
    const empty = thresholdIndex({ classNames: ['b'], category: [0], score: [0.5], truePositive: [0], gtCount: [0] })
    expect(metricsAtThreshold(empty, 0).per_class[0]).toMatchObject({ precision: 0, recall: null, f1: null })
  })

  it('averages micro over all counts and macro over the classes where defined', () => {
    const two = thresholdIndex({ classNames: ['a', 'b'], category: [0, 1, 1], score: [0.9, 0.9, 0.9], truePositive: [1, 0, 1], gtCount: [1, 4] })
    const m = metricsAtThreshold(two, 0.5)
    expect(m.overall).toMatchObject({ tp: 2, fp: 1, fn: 3, precision: 2 / 3, recall: 2 / 5 })
    expect(m.macro.precision).toBe((1 + 0.5) / 2)
    expect(m.macro.recall).toBe((1 + 0.25) / 2)
  })
})

/** mulberry32: a small seeded generator, so the scene is the same on every run. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function randomScene(seed: number) {
  const rnd = random(seed)
  const gt: GtSpec[] = []
  const dt: DtSpec[] = []
  for (let image = 1; image <= 30; image++) {
    for (let j = 0; j < 6; j++) {
      const cls = rnd() < 0.5 ? 'a' : 'b'
      const [x, y, w, h] = [rnd() * 500, rnd() * 400, 10 + rnd() * 80, 10 + rnd() * 80]
      gt.push({ image, cls, bbox: [x, y, w, h], ...(rnd() < 0.05 ? { iscrowd: 1 as const } : {}) })
      const copies = Math.floor(rnd() * 3)
      for (let c = 0; c < copies; c++) {
        const jitter = () => (rnd() - 0.5) * 0.4
        dt.push({ image, cls: rnd() < 0.85 ? cls : cls === 'a' ? 'b' : 'a', bbox: [x + w * jitter(), y + h * jitter(), w * (1 + jitter()), h * (1 + jitter())], score: Math.round(rnd() * 100) / 100 })
      }
    }
    dt.push({ image, cls: 'a', bbox: [rnd() * 500, rnd() * 400, 40, 40], score: Math.round(rnd() * 100) / 100 })
  }
  return { gt, dt, images: Array.from({ length: 30 }, (_, i) => i + 1) }
}

describe('the threshold function against a fresh evaluation', () => {
  const { gt, dt, images } = randomScene(7)
  const evaluated = (minScore: number) => {
    const s = scene(gt, dt.filter((d) => d.score >= minScore), { images })
    const coco = cocoEvaluationInput(s.gt, s.results, 'bbox')
    return { coco, ...evaluate(coco.input) }
  }
  const full = evaluated(0)
  const index = thresholdIndex(thresholdMatchesFromOutcomes(full.coco.input, full.objects))

  it.each([0, 0.2, 0.37, 0.5, 0.81, 0.99, 1])('gives at %s what matching only the detections above it gives (matching is greedy by score)', (t) => {
    const fresh = evaluated(t)
    const again = metricsAtThreshold(thresholdIndex(thresholdMatchesFromOutcomes(fresh.coco.input, fresh.objects)), 0)
    expect(metricsAtThreshold(index, t).per_class).toEqual(again.per_class)
  })

  it('gives the same from stored JSON rows as from the evaluation’s columns', () => {
    const { input } = full.coco
    const rows = objectRows(full.objects, {
      classNames: input.classNames,
      gtCategory: input.groundTruth.category,
      dtCategory: input.detections.category,
      dtScore: input.detections.score,
      gtIds: (i) => i,
      dtIds: (i) => i,
    })
    const fromRows = thresholdIndex(thresholdMatchesFromRows(JSON.parse(JSON.stringify([...rows]))))
    for (const t of [0, 0.3, 0.6, 0.9]) expect(metricsAtThreshold(fromRows, t)).toEqual(metricsAtThreshold(index, t))
  })
})
