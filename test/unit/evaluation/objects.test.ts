import { describe, expect, it } from 'vitest'
import { objectRows, OUTCOME_NAMES } from '../../../src/domain/evaluation'
import { evaluateScene, type GtSpec } from './scenes'

const box = (x: number, y: number, w: number, h: number) => [x, y, w, h]
const names = (status: Uint8Array) => Array.from(status, (s) => OUTCOME_NAMES[s])

describe('per-object outcomes', () => {
  const gt: GtSpec[] = [{ bbox: box(0, 0, 10, 10) }, { bbox: box(100, 100, 10, 10) }, { bbox: box(200, 200, 100, 100), iscrowd: 1 }]
  const dt = [
    { bbox: box(0, 0, 10, 10), score: 0.9 }, // matches ground truth 0
    { bbox: box(1, 1, 10, 10), score: 0.8 }, // IoU 81/119 with ground truth 0, already taken
    { bbox: box(210, 210, 10, 10), score: 0.7 }, // inside the crowd region
    { bbox: box(400, 400, 10, 10), score: 0.6 }, // nowhere near anything
  ]

  it('mark every detection TP, FP or ignored, with its matched ground truth and IoU', () => {
    const { objects } = evaluateScene(gt, dt)
    const d = objects.detections
    expect(objects.iouThreshold).toBe(0.5)
    expect(names(d.status)).toEqual(['tp', 'fp', 'ignored', 'fp'])
    expect(Array.from(d.gt)).toEqual([0, -1, 2, -1])
    expect(Array.from(d.iou)).toEqual([1, NaN, 1, NaN])
    // The best IoU tells a misplaced duplicate from a detection of nothing.
    expect(Array.from(d.maxIou)).toEqual([1, 81 / 119, 1, 0])
  })

  it('mark every ground truth TP, FN or ignored (crowd), with the detection that matched it', () => {
    const { objects } = evaluateScene(gt, dt)
    const g = objects.groundTruth
    expect(names(g.status)).toEqual(['tp', 'fn', 'ignored'])
    expect(Array.from(g.dt)).toEqual([0, -1, 2])
    expect(Array.from(g.iou)).toEqual([1, NaN, 1])
  })

  it('are decided at a configurable IoU: a 0.7 overlap is a match at .50 and a miss at .75', () => {
    const scene = [[{ bbox: box(0, 0, 10, 10) }], [{ bbox: box(0, 0, 10, 7), score: 0.9 }]] as const
    const at50 = evaluateScene([...scene[0]], [...scene[1]])
    expect([names(at50.objects.detections.status), names(at50.objects.groundTruth.status)]).toEqual([['tp'], ['tp']])
    const at75 = evaluateScene([...scene[0]], [...scene[1]], {}, { matchIouThreshold: 0.75 })
    expect([names(at75.objects.detections.status), names(at75.objects.groundTruth.status)]).toEqual([['fp'], ['fn']])
    expect(at75.summary.params.match_iou_threshold).toBe(0.75)
    // The COCO numbers do not depend on it.
    expect(at75.summary.stats).toEqual(at50.summary.stats)
  })

  it('become JSON rows with the caller’s ids, detections then ground truth', () => {
    const { objects, coco } = evaluateScene(gt, dt)
    const rows = [
      ...objectRows(objects, {
        classNames: coco.input.classNames,
        gtCategory: coco.input.groundTruth.category,
        dtCategory: coco.input.detections.category,
        dtScore: coco.input.detections.score,
        gtIds: (i) => `gt-${coco.groundTruthIds[i]}`,
        dtIds: (i) => `dt-${coco.resultIndex[i]}`,
      }),
    ]
    expect(rows).toHaveLength(7)
    expect(rows[0]).toEqual({ kind: 'detection', id: 'dt-0', class_name: 'a', score: 0.9, status: 'tp', matched_id: 'gt-1', iou: 1, max_iou: 1, cell: ['a', 'a'] })
    expect(rows[1]).toMatchObject({ status: 'fp', matched_id: null, iou: null, cell: ['background', 'a'] })
    expect(rows[2]).toMatchObject({ status: 'ignored', matched_id: 'gt-3', cell: null })
    expect(rows[5]).toEqual({ kind: 'ground_truth', id: 'gt-2', class_name: 'a', score: null, status: 'fn', matched_id: null, iou: null, max_iou: null, cell: ['a', 'background'] })
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows)
  })
})
