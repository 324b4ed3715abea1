import { describe, expect, it } from 'vitest'
import { type DtSpec, evaluateScene, type GtSpec, PERFECT } from './scenes'

/**
 * Hand-made scenes, one per rule of COCOeval that a re-implementation gets wrong most easily. The
 * expected numbers are worked out in the comments. stats: [AP, AP50, AP75, APs, APm, APl, AR1,
 * AR10, AR100, ARs, ARm, ARl].
 */

// A mean of 1/(1+eps) values: 1 to within the last bits, however the sum is ordered.
const ONE = expect.closeTo(1, 12)
const box = (x: number, y: number, w: number, h: number) => [x, y, w, h]
const stats = (gt: GtSpec[], dt: DtSpec[], ...rest: Parameters<typeof evaluateScene> extends [unknown, unknown, ...infer R] ? R : never) =>
  evaluateScene(gt, dt, ...rest).summary.stats

describe('IoU', () => {
  it('has no +1 on widths and heights: half a 10×10 box is IoU 0.5 exactly', () => {
    const { summary, objects } = evaluateScene([{ bbox: box(0, 0, 10, 10) }], [{ bbox: box(0, 0, 10, 5), score: 0.9 }])
    // With +1 it would be 11·6 / 121 = 0.545.
    expect(objects.detections.iou[0]).toBe(0.5)
    // A match at .50 only: AP50 is a perfect 1/(1+eps), the nine other thresholds 0.
    expect(summary.stats[1]).toEqual(ONE)
    expect(summary.stats[2]).toBe(0)
    expect(summary.stats[0]).toBeCloseTo(0.1, 12)
  })

  it('against a crowd region divides the intersection by the detection area alone', () => {
    const { objects } = evaluateScene([{ bbox: box(0, 0, 100, 100), iscrowd: 1 }], [{ bbox: box(10, 10, 20, 20), score: 0.9 }])
    // A plain IoU would be 400 / 10,000 = 0.04.
    expect(objects.detections.iou[0]).toBe(1)
  })

  it('gives a tie between two ground truths to the later one', () => {
    // The detection overlaps both by 100 of a 200 union: IoU 0.5 each; `<` lets the equal later one win.
    const { objects } = evaluateScene([{ bbox: box(0, 0, 10, 20) }, { bbox: box(0, -10, 10, 20) }], [{ bbox: box(0, 0, 10, 10), score: 0.9 }])
    expect(objects.detections.gt[0]).toBe(1)
  })

  it('caps the threshold at 1 - 1e-10, so a threshold of 1.0 still matches an identical box', () => {
    expect(stats([{ bbox: box(5, 5, 10, 10) }], [{ bbox: box(5, 5, 10, 10), score: 0.9 }], {}, { iouThresholds: [1] })[0]).toEqual(ONE)
  })
})

describe('crowd ground truth', () => {
  it('ignores detections inside a crowd region instead of counting them as false positives', () => {
    const gt: GtSpec[] = [{ bbox: box(0, 0, 100, 100), iscrowd: 1 }, { bbox: box(200, 200, 50, 50) }]
    // Three confident detections in the crowd, then the one true positive: without the crowd rule
    // precision at full recall would be 1/4.
    const dt: DtSpec[] = [
      { bbox: box(10, 10, 20, 20), score: 0.9 },
      { bbox: box(40, 40, 20, 20), score: 0.8 },
      { bbox: box(60, 10, 20, 20), score: 0.7 },
      { bbox: box(200, 200, 50, 50), score: 0.5 },
    ]
    const { summary, objects } = evaluateScene(gt, dt)
    expect(summary.stats[0]).toEqual(ONE)
    // The crowd region is matched again and again, and neither it nor its detections count.
    expect(Array.from(objects.detections.gt)).toEqual([0, 0, 0, 1])
    expect(Array.from(objects.detections.status)).toEqual([0, 0, 0, 1])
    expect(objects.groundTruth.status[0]).toBe(0)
    expect(summary.per_class[0]!.gt_count).toBe(1)
  })

  it('lets a detection fall back to a crowd region only when no real ground truth is good enough', () => {
    // IoU 0.62 with the real box, 1 with the crowd: a true positive up to the .60 threshold, and
    // matched (hence ignored) to the crowd above it, where the real box then goes unmatched.
    const gt: GtSpec[] = [{ bbox: box(0, 0, 100, 100), iscrowd: 1 }, { bbox: box(0, 0, 50, 31) }]
    const { summary, objects } = evaluateScene(gt, [{ bbox: box(0, 0, 50, 50), score: 0.9 }])
    expect(objects.detections.gt[0]).toBe(1)
    expect(summary.stats[0]).toBeCloseTo((3 * PERFECT) / 10, 12)
    expect(summary.stats[8]).toBeCloseTo(3 / 10, 12)
  })
})

describe('area ranges', () => {
  it("read the ground truth's area field, not its box", () => {
    // A 40×40 box (1,600: medium) whose annotation says 900 (small).
    const s = stats([{ bbox: box(0, 0, 40, 40), area: 900 }], [{ bbox: box(0, 0, 40, 40), score: 0.9 }])
    expect([s[3], s[4], s[5]]).toEqual([ONE, -1, -1])
    expect([s[9], s[10], s[11]]).toEqual([1, -1, -1])
  })

  it('include both ends: an area of exactly 32² is small and medium, 96² medium and large', () => {
    const small = stats([{ bbox: box(0, 0, 32, 32) }], [{ bbox: box(0, 0, 32, 32), score: 0.9 }])
    expect([small[3], small[4], small[5]]).toEqual([ONE, ONE, -1])
    const large = stats([{ bbox: box(0, 0, 96, 96) }], [{ bbox: box(0, 0, 96, 96), score: 0.9 }])
    expect([large[3], large[4], large[5]]).toEqual([-1, ONE, ONE])
  })

  it('ignore an unmatched detection whose own area is outside the range', () => {
    // A small true positive and a large false positive: in "small" the large one is ignored.
    const s = stats([{ bbox: box(0, 0, 10, 10) }], [
      { bbox: box(200, 200, 100, 100), score: 0.9 },
      { bbox: box(0, 0, 10, 10), score: 0.5 },
    ])
    expect(s[3]).toEqual(ONE)
    expect(s[1]).toBe(0.5)
  })
})

describe('maxDets', () => {
  it('counts per image and per category, not per image', () => {
    // 100 confident detections of class b in the image do not push class a's one detection out.
    const dt: DtSpec[] = Array.from({ length: 100 }, (_, i) => ({ cls: 'b', bbox: box(300, 300, 10, 10), score: 0.99 - i / 1000 }))
    dt.push({ cls: 'a', bbox: box(0, 0, 10, 10), score: 0.1 })
    const { summary } = evaluateScene([{ bbox: box(0, 0, 10, 10) }], dt)
    expect(summary.stats[0]).toEqual(ONE)
    expect(summary.per_class.map((c) => c.ap)).toEqual([ONE, -1])
  })

  it('cuts a category at 100 per image: a true positive ranked 101st is never evaluated', () => {
    const dt: DtSpec[] = Array.from({ length: 100 }, (_, i) => ({ bbox: box(300, 300, 10, 10), score: 0.99 - i / 1000 }))
    dt.push({ bbox: box(0, 0, 10, 10), score: 0.1 })
    const { summary, objects } = evaluateScene([{ bbox: box(0, 0, 10, 10) }], dt)
    expect([summary.stats[0], summary.stats[8]]).toEqual([0, 0])
    expect(objects.detections.status[100]).toBe(0)
    expect(objects.groundTruth.status[0]).toBe(3)
  })

  it('gives AR1, AR10 and AR100 their own cut', () => {
    const s = stats([{ bbox: box(0, 0, 10, 10) }, { bbox: box(50, 50, 10, 10) }], [
      { bbox: box(0, 0, 10, 10), score: 0.9 },
      { bbox: box(50, 50, 10, 10), score: 0.8 },
    ])
    expect([s[6], s[7], s[8]]).toEqual([0.5, 1, 1])
  })
})

describe('score order', () => {
  it('breaks ties in file order (a stable sort), so an earlier false positive ranks first', () => {
    const gt: GtSpec[] = [{ bbox: box(0, 0, 10, 10) }]
    const fp = { bbox: box(300, 300, 10, 10), score: 0.5 }
    const tp = { bbox: box(0, 0, 10, 10), score: 0.5 }
    // FP then TP: precision 1/2 at the only recall, 0.5 at every recall point after the envelope.
    expect(stats(gt, [fp, tp])[1]).toBe(0.5)
    expect(stats(gt, [tp, fp])[1]).toEqual(ONE)
  })

  it('breaks ties across images by sorted image id, whatever the file order', () => {
    const gt: GtSpec[] = [{ image: 2, bbox: box(0, 0, 10, 10) }]
    const fpIn1 = stats(gt, [{ image: 2, bbox: box(0, 0, 10, 10), score: 0.5 }, { image: 1, bbox: box(0, 0, 10, 10), score: 0.5 }], { images: [2, 1] })
    expect(fpIn1[1]).toBe(0.5)
    const gt1: GtSpec[] = [{ image: 1, bbox: box(0, 0, 10, 10) }]
    const fpIn2 = stats(gt1, [{ image: 2, bbox: box(0, 0, 10, 10), score: 0.5 }, { image: 1, bbox: box(0, 0, 10, 10), score: 0.5 }], { images: [2, 1] })
    expect(fpIn2[1]).toEqual(ONE)
  })

  it('reads precision at the first point reaching each recall (searchsorted left)', () => {
    // Two ground truths; TP .9, FP .8, TP .7: recall [.5, .5, 1], precision [1, .5, .667]. Recall
    // points 0 … .50 (51 of them) read the first point, .51 … 1 (50) the third, never the second.
    const { summary } = evaluateScene([{ bbox: box(0, 0, 10, 10) }, { bbox: box(50, 50, 10, 10) }], [
      { bbox: box(0, 0, 10, 10), score: 0.9 },
      { bbox: box(300, 300, 10, 10), score: 0.8 },
      { bbox: box(50, 50, 10, 10), score: 0.7 },
    ])
    const curve = summary.pr_curves.curves.find((c) => c.class_name === 'a' && c.iou_threshold === 0.5)!
    const twoThirds = 2 / (3 + Number.EPSILON)
    expect(curve.precision).toEqual([...Array(51).fill(PERFECT), ...Array(50).fill(twoThirds)])
    expect(curve.scores).toEqual([...Array(51).fill(0.9), ...Array(50).fill(0.7)])
    expect(summary.stats[1]).toBeCloseTo((51 * PERFECT + 50 * twoThirds) / 101, 14)
    expect(summary.pr_curves.recall_thresholds).toHaveLength(101)
  })

  it('raises each precision to the best at any higher recall (the envelope) before reading it', () => {
    // Three ground truths; TP .9, FP .8, FP .7, TP .6, TP .5: recall [1/3, 1/3, 1/3, 2/3, 1],
    // precision [1, 1/2, 1/3, 2/4, 3/5] → envelope [1, 3/5, 3/5, 3/5, 3/5]. Recall points 0 … .33
    // (34) read the first point, .34 … .66 (33) the fourth, 2/4 without the envelope and 3/5 with
    // it, and .67 … 1 (34) the fifth.
    const { summary } = evaluateScene([{ bbox: box(0, 0, 10, 10) }, { bbox: box(50, 50, 10, 10) }, { bbox: box(100, 100, 10, 10) }], [
      { bbox: box(0, 0, 10, 10), score: 0.9 },
      { bbox: box(300, 300, 10, 10), score: 0.8 },
      { bbox: box(400, 400, 10, 10), score: 0.7 },
      { bbox: box(50, 50, 10, 10), score: 0.6 },
      { bbox: box(100, 100, 10, 10), score: 0.5 },
    ])
    const curve = summary.pr_curves.curves.find((c) => c.class_name === 'a' && c.iou_threshold === 0.5)!
    const threeFifths = 3 / (5 + Number.EPSILON)
    expect(curve.precision).toEqual([...Array(34).fill(PERFECT), ...Array(67).fill(threeFifths)])
    expect(curve.scores).toEqual([...Array(34).fill(0.9), ...Array(33).fill(0.6), ...Array(34).fill(0.5)])
    expect(summary.stats[1]).toBeCloseTo((34 * PERFECT + 67 * threeFifths) / 101, 14)
  })
})

describe('what is undefined, and what is left out of the mean', () => {
  it('a category without ground truth is -1 and does not pull the mean down', () => {
    const { summary } = evaluateScene([{ bbox: box(0, 0, 10, 10) }], [
      { bbox: box(0, 0, 10, 10), score: 0.9 },
      { cls: 'b', bbox: box(100, 100, 10, 10), score: 0.95 },
    ], { classes: ['a', 'b', 'c'] })
    expect(summary.stats[0]).toEqual(ONE)
    expect(summary.per_class.map((c) => [c.class_name, c.ap, c.ar100])).toEqual([
      ['a', ONE, 1],
      ['b', -1, -1],
      ['c', -1, -1],
    ])
    expect(summary.pr_curves.curves.find((c) => c.class_name === 'b')!.precision).toBeNull()
  })

  it('an image without ground truth still counts its detections as false positives', () => {
    const s = stats([{ bbox: box(0, 0, 10, 10) }], [
      { image: 2, bbox: box(0, 0, 10, 10), score: 0.9 },
      { bbox: box(0, 0, 10, 10), score: 0.5 },
    ], { images: [1, 2] })
    expect(s[1]).toBe(0.5)
  })

  it('results of a category the ground truth does not list are dropped, as getAnnIds(catIds) drops them', () => {
    const { coco, summary } = evaluateScene([{ bbox: box(0, 0, 10, 10) }], [
      { bbox: box(0, 0, 10, 10), score: 0.5 },
      { cls: 'zebra', bbox: box(0, 0, 10, 10), score: 0.9 },
    ])
    expect(coco.input.detections.count).toBe(1)
    expect(summary.stats[1]).toEqual(ONE)
  })

  it('ground truth without detections scores 0, not -1; no ground truth at all scores -1', () => {
    expect(stats([{ bbox: box(0, 0, 10, 10) }], []).slice(0, 3)).toEqual([0, 0, 0])
    expect(stats([], [{ bbox: box(0, 0, 10, 10), score: 0.9 }])).toEqual(Array(12).fill(-1))
  })

  it('caller-set thresholds without .50 and .75 make AP50 and AP75 -1, as np.where finds nothing', () => {
    const { summary } = evaluateScene([{ bbox: box(0, 0, 10, 10) }], [{ bbox: box(0, 0, 10, 8), score: 0.9 }], {}, { iouThresholds: [0.6, 0.7, 0.9] })
    // IoU 0.8 passes .6 and .7, not .9.
    expect(summary.stats[0]).toBeCloseTo((2 * PERFECT) / 3, 14)
    expect([summary.stats[1], summary.stats[2]]).toEqual([-1, -1])
    expect(summary.pr_curves.curves).toEqual([])
  })
})

describe('useCats', () => {
  const gt: GtSpec[] = [{ bbox: box(0, 0, 10, 10) }]
  const dt: DtSpec[] = [{ cls: 'b', bbox: box(0, 0, 10, 10), score: 0.9 }]

  it('on (the default), a detection of the wrong class is no match', () => {
    expect(stats(gt, dt)[0]).toBe(0)
  })

  it('off, detections match ground truth of any class, reported as one class "*"', () => {
    const { summary } = evaluateScene(gt, dt, {}, { useCats: false })
    expect(summary.stats[0]).toEqual(ONE)
    expect(summary.per_class.map((c) => c.class_name)).toEqual(['*'])
  })
})

describe('parameters', () => {
  it('default to pycocotools: thresholds .50:.05:.95 as numpy.linspace makes them, 101 recall points, maxDets [1, 10, 100]', () => {
    const { summary } = evaluateScene([], [])
    expect(summary.params.iou_thresholds).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95])
    expect(summary.params.recall_thresholds[7]).toBe(0.07)
    expect(summary.params.max_dets).toEqual([1, 10, 100])
    expect(summary.params.area_ranges.map((r) => [r.label, r.min, r.max])).toEqual([
      ['all', 0, 1e10],
      ['small', 0, 1024],
      ['medium', 1024, 9216],
      ['large', 9216, 1e10],
    ])
  })

  it('reject bad values with a 400', () => {
    expect(() => evaluateScene([], [], {}, { iouThresholds: [1.5] })).toThrow(expect.objectContaining({ status: 400, code: 'validation_error' }))
    expect(() => evaluateScene([], [], {}, { maxDets: [0] })).toThrow(expect.objectContaining({ status: 400 }))
  })
})
