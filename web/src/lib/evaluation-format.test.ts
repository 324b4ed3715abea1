import { describe, expect, it } from 'vitest'
import { barPercent, formatDelta, formatMetric } from './evaluation-format'

describe('evaluation numbers', () => {
  it('prints COCO’s -1 and a missing ratio as a dash, others to three decimals', () => {
    expect(formatMetric(-1)).toBe('—')
    expect(formatMetric(null)).toBe('—')
    expect(formatMetric(0)).toBe('0.000')
    expect(formatMetric(0.50495)).toBe('0.505')
  })

  it('signs differences and draws no bar without a value', () => {
    expect(formatDelta(0.012)).toBe('+0.012')
    expect(formatDelta(-0.3)).toBe('−0.300')
    expect(formatDelta(null)).toBe('—')
    expect(barPercent(-1)).toBe(0)
    expect(barPercent(0.42)).toBeCloseTo(42, 9)
    expect(barPercent(1.2)).toBe(100)
  })
})
