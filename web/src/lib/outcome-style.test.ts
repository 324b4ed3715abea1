import { beforeAll, describe, expect, it } from 'vitest'
import { drawScene } from './overlay-draw'
import { buildScene } from './overlay-scene'
import { LINE_DASH, OUTCOME_STYLE, type Outcome } from './outcome-style'
import { boxFixture } from './test-fixtures'

/** Remembers each dash pattern set before a stroke and every fill, which is what tells outcomes apart. */
function recorder() {
  const strokes: { dash: number[]; color: string }[] = []
  const fills: string[] = []
  let dash: number[] = []
  const state: Record<string, unknown> = {}
  const ctx = new Proxy(state, {
    get(_, prop: string) {
      if (prop === 'setLineDash') return (d: number[]) => (dash = d)
      if (prop === 'stroke') return () => strokes.push({ dash, color: String(state.strokeStyle) })
      if (prop === 'fillRect') return () => (state.globalAlpha as number) > 0 && fills.push(String(state.fillStyle))
      if (prop === 'measureText') return (t: string) => ({ width: t.length * 7 })
      if (prop in state) return state[prop]
      return () => {}
    },
    set(_, prop: string, value) {
      state[prop] = value
      return true
    },
  })
  return { ctx: ctx as unknown as CanvasRenderingContext2D, strokes, fills }
}

beforeAll(() => {
  ;(globalThis as { Path2D?: unknown }).Path2D = class {
    rect() {}
    moveTo() {}
    lineTo() {}
    closePath() {}
  }
})

const entry = (outcome: Outcome) => ({ annotation: boxFixture(10, 10, 20, 20, { class_name: 'dog', confidence: 0.87 }), color: OUTCOME_STYLE[outcome].color, outcome })

describe('outcome styles', () => {
  it('puts each outcome in a layer of its own, even in one colour, and names it in the label', () => {
    const scene = buildScene([entry('tp'), entry('fp'), entry('fn'), { ...entry('fn'), color: OUTCOME_STYLE.tp.color }], { width: 100, height: 100 })
    expect(scene.boxes.map((l) => l.outcome)).toEqual(['tp', 'fp', 'fn', 'fn'])
    expect(scene.labels.slice(0, 3)).toEqual(['TP dog 87%', 'FP dog 87%', 'FN dog 87%'])
  })

  it('strokes TP solid (with an extra pass), FP dashed and FN dotted, and fills no miss', () => {
    const scene = buildScene([entry('tp'), entry('fp'), entry('fn')], { width: 100, height: 100 })
    const { ctx, strokes, fills } = recorder()
    // Small on screen, so no labels: only the boxes' own fills and strokes are recorded.
    drawScene(ctx, scene, { view: { scale: 1, tx: 0, ty: 0 }, width: 100, height: 100, dpr: 1, opacity: 1, maskOpacity: 1, heatmapOpacity: 1, rasters: new Map() }, new Float32Array(3))
    const by = (o: Outcome) => strokes.filter((s) => s.color === OUTCOME_STYLE[o].color)
    expect(by('tp').map((s) => s.dash)).toEqual([LINE_DASH.solid, LINE_DASH.solid])
    expect(by('fp').map((s) => s.dash)).toEqual([LINE_DASH.dashed])
    expect(by('fn').map((s) => s.dash)).toEqual([LINE_DASH.dotted])
    expect(fills).toEqual([OUTCOME_STYLE.tp.color, OUTCOME_STYLE.fp.color])
  })

  it('leaves scenes without outcomes as they were: review states decide', () => {
    const scene = buildScene([{ annotation: boxFixture(0, 0, 10, 10), color: '#E69F00', review: 'rejected' as const }], { width: 100, height: 100 })
    expect(scene.boxes[0]!.outcome).toBeNull()
    expect(scene.labels[0]).toBe('✗ person 90%')
  })
})

describe('labels of a layer drawn beneath another', () => {
  it('sit under the shape, where the layer above puts none', () => {
    const at: number[] = []
    const { ctx } = recorder()
    const record = new Proxy(ctx as unknown as object, {
      get(target, prop: string) {
        if (prop === 'fillText') return (_: string, _x: number, y: number) => at.push(y)
        return Reflect.get(target, prop)
      },
      set: (target, prop, value) => Reflect.set(target, prop, value),
    }) as CanvasRenderingContext2D
    const big = { annotation: boxFixture(10, 40, 110, 90, { class_name: 'dog' }), color: OUTCOME_STYLE.fn.color, outcome: 'fn' as const }
    const options = { view: { scale: 1, tx: 0, ty: 0 }, width: 200, height: 200, dpr: 1, opacity: 1, maskOpacity: 1, heatmapOpacity: 1, rasters: new Map() }
    drawScene(record, buildScene([big], { width: 200, height: 200 }), options, new Float32Array(1))
    drawScene(record, buildScene([big], { width: 200, height: 200 }, { labelsBelow: true }), options, new Float32Array(1))
    // Text is centred in a 16-pixel label: above the box top (40), then below its bottom (90).
    expect(at).toEqual([40 - 8, 90 + 8])
  })
})
