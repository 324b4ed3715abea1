import { describe, expect, it } from 'vitest'
import { confidenceHistogram, countAtOrAbove } from './histogram'

describe('confidenceHistogram', () => {
  it('buckets confidences into equal bins over [0, 1]', () => {
    const h = confidenceHistogram([0, 0.05, 0.1, 0.55, 0.99], 10)
    expect(Array.from(h)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 1])
  })

  it('puts a confidence of exactly 1 in the last bin', () => {
    expect(Array.from(confidenceHistogram([1], 4))).toEqual([0, 0, 0, 1])
  })

  it('skips missing, NaN and out-of-range values', () => {
    const h = confidenceHistogram([null, undefined, Number.NaN, -0.1, 1.2, 0.5], 2)
    expect(Array.from(h)).toEqual([0, 1])
  })

  it('defaults to 20 bins and counts every valid value once', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i / 999)
    const h = confidenceHistogram(values)
    expect(h.length).toBe(20)
    expect(h.reduce((a, b) => a + b, 0)).toBe(1000)
  })

  it('counts the bins at or above a threshold', () => {
    const h = confidenceHistogram([0.1, 0.4, 0.5, 0.9], 10)
    expect(countAtOrAbove(h, 0.5)).toBe(2)
    expect(countAtOrAbove(h, 0)).toBe(4)
  })
})
