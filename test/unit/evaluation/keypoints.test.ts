import { describe, expect, it } from 'vitest'
import { type CocoAnnotation, type CocoDataset, cocoEvaluationInput, evaluate, KEYPOINT_STAT_NAMES } from '../../../src/domain/evaluation'
import { overlap, overlapContext } from '../../../src/domain/evaluation/overlap'
import { resolveParams } from '../../../src/domain/evaluation/params'
import { readJson } from './coco-fixtures'

const ONE = expect.closeTo(1, 12)

/** 17 COCO keypoints, all unlabelled (0, 0, 0) except those given as [index, x, y, v]. */
function keypoints(labelled: [number, number, number, number][]): number[] {
  const kp = new Array<number>(51).fill(0)
  for (const [i, x, y, v] of labelled) kp.splice(i * 3, 3, x, y, v)
  return kp
}

function person(id: number, kp: number[], extra: Partial<CocoAnnotation> = {}): CocoAnnotation {
  const labelled = kp.filter((_, j) => j % 3 === 2 && kp[j]! > 0).length
  return { id, image_id: 1, category_id: 1, bbox: [0, 0, 100, 100], area: 1000, iscrowd: 0, keypoints: kp, num_keypoints: labelled, ...extra }
}

const dataset = (annotations: CocoAnnotation[]): CocoDataset => ({
  images: [{ id: 1, width: 640, height: 480 }],
  categories: [{ id: 1, name: 'person' }],
  annotations,
})

describe('OKS', () => {
  it('averages exp(-d²/(2·s²·κ²)) over labelled keypoints, s² being the area: a hand-computed case', () => {
    // Nose (σ = .026, κ = 2σ = .052) 5 px off, left eye (σ = .025) exact; area 1000:
    // e = 25 / .052² / 1000 / 2 = 4.62278, exp(-e) = .0098255; OKS = (.0098255 + 1) / 2 = .504913.
    const gt = dataset([person(1, keypoints([[0, 50, 50, 2], [1, 60, 40, 1]]))])
    const dt = [{ image_id: 1, category_id: 1, score: 0.9, keypoints: keypoints([[0, 53, 54, 1], [1, 60, 40, 1]]) }]
    const { objects } = evaluate(cocoEvaluationInput(gt, dt, 'keypoints').input)
    expect(objects.detections.iou[0]).toBeCloseTo(0.504913, 6)
    expect(objects.detections.iou[0]).toBe((Math.exp(-25 / 0.052 ** 2 / (1000 + Number.EPSILON) / 2) + 1) / 2)
  })

  it('reproduces the published computeOks matrix, including a ground truth with no labelled keypoint', () => {
    // The second ground truth has none labelled: distances are to a box twice its own around it,
    // over all keypoints (test/fixtures/coco/README.md says where the numbers come from).
    const fx = readJson<{ gt: CocoDataset; dt: CocoAnnotation[]; keypoint_sigmas: number[]; expected: { oks: number[][]; tol: number }[] }>(
      'faster_coco_eval_compute_oks.fixture.json',
    )
    const { input } = cocoEvaluationInput(fx.gt, fx.dt, 'keypoints', fx.keypoint_sigmas.length)
    const ctx = overlapContext(resolveParams('keypoints', { keypointSigmas: fx.keypoint_sigmas }), input.groundTruth, input.detections)
    const [{ oks, tol }] = fx.expected as [{ oks: number[][]; tol: number }]
    oks.forEach((row, d) => row.forEach((v, g) => expect(Math.abs(overlap(ctx, d, g) - v)).toBeLessThanOrEqual(tol)))
  })
})

describe('the keypoint protocol', () => {
  const exact = (id: number, x: number) => person(id, keypoints([[0, x, 50, 2], [5, x + 10, 80, 2], [6, x - 10, 80, 2]]))
  const detection = (x: number, score: number) => ({ image_id: 1, category_id: 1, score, keypoints: keypoints([[0, x, 50, 1], [5, x + 10, 80, 1], [6, x - 10, 80, 1]]) })

  it('reports 10 numbers: AP, AP50, AP75, APm, APl, then the same for AR, at maxDets 20', () => {
    const { summary } = evaluate(cocoEvaluationInput(dataset([exact(1, 100)]), [detection(100, 0.9)], 'keypoints').input)
    expect(summary.stat_names).toEqual([...KEYPOINT_STAT_NAMES])
    expect(summary.params.max_dets).toEqual([20])
    expect(summary.params.area_ranges.map((r) => r.label)).toEqual(['all', 'medium', 'large'])
    // Area 1000 is below medium (1024): APm and APl have no ground truth.
    expect(summary.stats).toEqual([ONE, ONE, ONE, -1, -1, 1, 1, 1, -1, -1])
  })

  it('ignores ground truth with num_keypoints 0 instead of counting it as missed', () => {
    const { summary, objects } = evaluate(cocoEvaluationInput(dataset([exact(1, 100), person(2, keypoints([]))]), [detection(100, 0.9)], 'keypoints').input)
    expect(summary.stats[5]).toBe(1)
    expect(objects.groundTruth.status[1]).toBe(0)
  })

  it('evaluates at most 20 detections per image', () => {
    const dts = Array.from({ length: 20 }, (_, i) => detection(400, 0.99 - i / 100))
    dts.push(detection(100, 0.1))
    const { summary } = evaluate(cocoEvaluationInput(dataset([exact(1, 100)]), dts, 'keypoints').input)
    expect(summary.stats[0]).toBe(0)
  })

  it("takes a result's area from the extent of all its keypoints, unlabelled (0, 0) ones included", () => {
    const { input } = cocoEvaluationInput(dataset([]), [detection(100, 0.9)], 'keypoints')
    // x from 0 to 110, y from 0 to 80.
    expect(input.detections.area[0]).toBe(110 * 80)
  })
})
