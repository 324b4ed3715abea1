import { describe, expect, it } from 'vitest'
import { drawScene, LABEL_MIN_WIDTH, MAX_LABELS, type DrawOptions } from './overlay-draw'
import { buildScene } from './overlay-scene'
import { OKABE_ITO } from './palette'
import { boxFixture } from './test-fixtures'

/** Records how often each canvas call happens; enough to check the batching, not the pixels. */
function recordingContext() {
  const calls = new Map<string, number>()
  const count = (name: string) => () => calls.set(name, (calls.get(name) ?? 0) + 1)
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
  return { ctx: ctx as unknown as CanvasRenderingContext2D, calls }
}

const options = (over: Partial<DrawOptions> = {}): DrawOptions => ({
  view: { scale: 1, tx: 0, ty: 0 },
  width: 2000,
  height: 2000,
  dpr: 1,
  opacity: 0.8,
  rasters: new Map(),
  hover: -1,
  selected: -1,
  ...over,
})

describe('drawScene', () => {
  const boxes = Array.from({ length: 5000 }, (_, i) => ({
    annotation: boxFixture((i % 100) * 20, Math.floor(i / 100) * 20, (i % 100) * 20 + 12, Math.floor(i / 100) * 20 + 12, { class_name: `c${i % 7}` }),
    color: OKABE_ITO[i % 7]!,
  }))
  const scene = buildScene(boxes, { width: 2000, height: 1000 })

  it('strokes 5,000 boxes in one path per colour', () => {
    const { ctx, calls } = recordingContext()
    drawScene(ctx, scene, options(), new Float32Array(scene.labels.length))
    expect(calls.get('rect')).toBe(5000)
    expect(calls.get('stroke')).toBe(7)
    expect(calls.get('fill')).toBe(7)
    // 12-pixel boxes are too small for labels.
    expect(calls.get('fillText') ?? 0).toBe(0)
  })

  it('labels boxes only once they are big enough on screen, and caps the count', () => {
    const { ctx, calls } = recordingContext()
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

  it('skips boxes that are off screen', () => {
    const { ctx, calls } = recordingContext()
    drawScene(ctx, scene, options({ view: { scale: 4, tx: 0, ty: 0 }, width: 400, height: 400 }), new Float32Array(scene.labels.length))
    expect(calls.get('rect')).toBeLessThan(100)
  })
})
