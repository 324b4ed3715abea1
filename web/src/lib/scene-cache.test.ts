import { describe, expect, it } from 'vitest'
import { cacheArea, covers, placement } from './scene-cache'

const viewport = { width: 1000, height: 800 }
const natural = { width: 3000, height: 2000 }

describe('scene cache', () => {
  it('covers the viewport and half of it again on each side when the image is larger', () => {
    const view = { scale: 1, tx: -1000, ty: -600 }
    const c = cacheArea(view, viewport, natural, 1)
    expect([c.ox * view.scale + view.tx, c.oy * view.scale + view.ty, c.width, c.height]).toEqual([-500, -400, 2000, 1600])
    expect(covers(c, view, viewport, natural)).toBe(true)
  })

  it('keeps covering while a pan stays inside the margin, and not beyond it', () => {
    const view = { scale: 1, tx: -1000, ty: -600 }
    const c = cacheArea(view, viewport, natural, 1)
    expect(covers(c, { ...view, tx: view.tx + 400 }, viewport, natural)).toBe(true)
    expect(covers(c, { ...view, tx: view.tx + 600 }, viewport, natural)).toBe(false)
  })

  it('is no larger than the image and its pad when the whole image is on screen', () => {
    const view = { scale: 0.3, tx: 50, ty: 100 }
    const c = cacheArea(view, viewport, natural, 1)
    expect(c.width).toBe(Math.ceil(900 + 48))
    expect(c.height).toBe(Math.ceil(600 + 48))
    // The image moves with its bitmap: any pan of a fully drawn image is still covered.
    expect(covers(c, { ...view, tx: 600 }, viewport, natural)).toBe(true)
  })

  it('caps the bitmap at the longest side allowed', () => {
    const c = cacheArea({ scale: 1, tx: -1000, ty: -600 }, { width: 3000, height: 800 }, { width: 10000, height: 2000 }, 2)
    expect(c.width * 2).toBeLessThanOrEqual(4096)
  })

  it('snaps the bitmap to device pixels', () => {
    const c = cacheArea({ scale: 1, tx: -1000.3, ty: -600.7 }, viewport, natural, 2)
    const left = c.ox + -1000.3
    expect(Math.abs(left * 2 - Math.round(left * 2))).toBeLessThan(1e-9)
  })

  it('scales the bitmap while a zoom has not settled', () => {
    const c = cacheArea({ scale: 1, tx: 0, ty: 0 }, viewport, natural, 1)
    expect(placement(c, { scale: 1, tx: 10, ty: 5 })).toBe(`translate(${c.ox + 10}px, ${c.oy + 5}px)`)
    expect(placement(c, { scale: 2, tx: 0, ty: 0 })).toContain('scale(2)')
  })
})
