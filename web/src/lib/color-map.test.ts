import { describe, expect, it } from 'vitest'
import { colorizeHeatmap, colorMap, colorMapGradient, isSingleChannel, normalizeColorMapName } from './color-map'

const rgbAt = (name: string, v: number) => Array.from(colorMap(name).lut.slice(v * 3, v * 3 + 3))

describe('colorMap', () => {
  it('has matplotlib endpoints for the perceptual maps', () => {
    expect(rgbAt('viridis', 0)).toEqual([0x44, 0x01, 0x54])
    expect(rgbAt('viridis', 255)).toEqual([0xfd, 0xe7, 0x25])
    expect(rgbAt('magma', 0)).toEqual([0x00, 0x00, 0x04])
    expect(rgbAt('inferno', 255)).toEqual([0xfc, 0xff, 0xa4])
    expect(rgbAt('plasma', 0)).toEqual([0x0d, 0x08, 0x87])
  })

  it('draws jet from dark blue through green to dark red, and gray from black to white', () => {
    expect(rgbAt('jet', 0)).toEqual([0, 0, 128])
    expect(rgbAt('jet', 128)[1]).toBe(255)
    expect(rgbAt('jet', 255)).toEqual([128, 0, 0])
    expect(rgbAt('gray', 0)).toEqual([0, 0, 0])
    expect(rgbAt('gray', 255)).toEqual([255, 255, 255])
    expect(rgbAt('turbo', 255)[0]).toBeGreaterThan(100)
  })

  it('reads names in any case, with matplotlib _r reversal', () => {
    expect(normalizeColorMapName(' Viridis_R ')).toEqual({ key: 'viridis', reverse: true })
    expect(rgbAt('VIRIDIS_r', 0)).toEqual(rgbAt('viridis', 255))
    expect(colorMap('Magma').name).toBe('magma')
  })

  it('falls back to viridis for an unknown name and says so', () => {
    const m = colorMap('no-such-map')
    expect(m.known).toBe(false)
    expect(m.name).toBe('viridis')
    expect(colorMap(undefined).known).toBe(false)
  })

  it('builds a legend gradient with 11 stops', () => {
    expect(colorMapGradient(colorMap('viridis')).match(/rgb\(/g)).toHaveLength(11)
  })
})

describe('heatmap colouring', () => {
  it('tells grey PNGs from coloured ones', () => {
    expect(isSingleChannel(new Uint8ClampedArray([10, 10, 10, 255, 200, 200, 200, 255]))).toBe(true)
    expect(isSingleChannel(new Uint8ClampedArray([10, 10, 10, 255, 200, 90, 200, 255]))).toBe(false)
  })

  it('maps values through the table and makes zero transparent when the PNG has no alpha', () => {
    const px = new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255])
    colorizeHeatmap(px, colorMap('viridis'))
    expect(Array.from(px)).toEqual([0x44, 0x01, 0x54, 0, 0xfd, 0xe7, 0x25, 255])
  })

  it('keeps an alpha channel the PNG brings', () => {
    const px = new Uint8ClampedArray([255, 255, 255, 40])
    colorizeHeatmap(px, colorMap('gray'))
    expect(Array.from(px)).toEqual([255, 255, 255, 40])
  })
})
