import { beforeAll, describe, expect, it } from 'vitest'
import { drawScene, LABEL_MIN_WIDTH, MAX_LABELS, type DrawOptions } from './overlay-draw'
import { buildScene } from './overlay-scene'
import { OKABE_ITO } from './palette'
import { boxFixture } from './test-fixtures'

/** Records how often each canvas and path call happens; enough to check the batching, not the pixels. */
const calls = new Map<string, number>()
const count = (name: string) => () => calls.set(name, (calls.get(name) ?? 0) + 1)

class RecordingPath {
  rect = count('path.rect')
  moveTo = count('path.moveTo')
  lineTo = count('path.lineTo')
  closePath = count('path.closePath')
}

function recordingContext() {
  calls.clear()
  const ctx = new Proxy(
    { measureText: (t: string) => ({ width: t.length * 7 }) },
    {
      get(target, prop: string) {
        if (prop === 'measureText') {
          count('measureText')()
          return target.measureText
        }
        return count(prop)
      },
      set: () => true,
    },
  )
  return ctx as unknown as CanvasRenderingContext2D
}

beforeAll(() => {
  ;(globalThis as { Path2D?: unknown }).Path2D = RecordingPath
})

const options = (over: Partial<DrawOptions> = {}): DrawOptions => ({
  view: { scale: 1, tx: 0, ty: 0 },
  width: 2000,
  height: 2000,
  dpr: 1,
  opacity: 0.8,
  maskOpacity: 0.5,
  heatmapOpacity: 0.5,
  rasters: new Map(),
  ...over,
})

describe('drawScene', () => {
  const boxes = Array.from({ length: 5000 }, (_, i) => ({
    annotation: boxFixture((i % 100) * 20, Math.floor(i / 100) * 20, (i % 100) * 20 + 12, Math.floor(i / 100) * 20 + 12, { class_name: `c${i % 7}` }),
    color: OKABE_ITO[i % 7]!,
  }))
  const scene = buildScene(boxes, { width: 2000, height: 1000 })

  it('strokes 5,000 boxes as one hairline path per colour, and fills each in one pass', () => {
    const ctx = recordingContext()
    drawScene(ctx, scene, options(), new Float32Array(scene.labels.length))
    expect(calls.get('path.rect')).toBe(5000)
    expect(calls.get('stroke')).toBe(7)
    expect(calls.get('fillRect')).toBe(5000)
    // 12-pixel boxes are too small for labels.
    expect(calls.get('fillText') ?? 0).toBe(0)
  })

  it('draws accepted outlines with one more hairline pass and rejected ones without a fill', () => {
    const reviewed = buildScene(
      [
        { annotation: boxFixture(0, 0, 40, 10), color: OKABE_ITO[0], review: 'accepted' as const },
        { annotation: boxFixture(0, 0, 40, 10), color: OKABE_ITO[0], review: 'rejected' as const },
      ],
      { width: 100, height: 100 },
    )
    expect(reviewed.boxes.map((l) => l.review)).toEqual(['accepted', 'rejected'])
    const ctx = recordingContext()
    drawScene(ctx, reviewed, options(), new Float32Array(2))
    expect(calls.get('stroke')).toBe(3)
    expect(calls.get('fillRect')).toBe(1)
    expect(calls.get('setLineDash')).toBeGreaterThan(0)
  })

  it('labels boxes only once they are big enough on screen, and caps the count', () => {
    const ctx = recordingContext()
    const widths = new Float32Array(scene.labels.length)
    drawScene(ctx, scene, options({ view: { scale: LABEL_MIN_WIDTH / 12 + 1, tx: 0, ty: 0 } }), widths)
    const labelled = calls.get('fillText') ?? 0
    expect(labelled).toBeGreaterThan(0)
    expect(labelled).toBeLessThanOrEqual(MAX_LABELS)
    // Widths are measured once and then reused by later frames.
    const measured = calls.get('measureText')
    drawScene(ctx, scene, options({ view: { scale: LABEL_MIN_WIDTH / 12 + 1, tx: 0, ty: 0 } }), widths)
    expect(calls.get('measureText')).toBe(measured)
  })

  it('labels polygons too', () => {
    const poly = buildScene(
      [{ annotation: boxFixture(0, 0, 1, 1, { annotation_type: 'polygon', data: { points: [[0, 0], [200, 0], [200, 100]] } }), color: OKABE_ITO[1] }],
      { width: 400, height: 400 },
    )
    const ctx = recordingContext()
    drawScene(ctx, poly, options(), new Float32Array(1))
    expect(calls.get('fillText')).toBe(1)
  })

  it('skips boxes that are off screen', () => {
    const ctx = recordingContext()
    drawScene(ctx, scene, options({ view: { scale: 4, tx: 0, ty: 0 }, width: 400, height: 400 }), new Float32Array(scene.labels.length))
    expect(calls.get('path.rect')).toBeLessThan(100)
  })
})
