import { describe, expect, it } from 'vitest'
import { gridRange, revealRow, visibleRange } from './virtual-window'

describe('virtual window', () => {
  it('renders the rows in view and a few either side', () => {
    expect(visibleRange(0, 100, 20, 50_000, 2)).toEqual({ start: 0, end: 7 })
    expect(visibleRange(1000, 100, 20, 50_000, 2)).toEqual({ start: 48, end: 57 })
    expect(visibleRange(999_990, 100, 20, 50_000, 2)).toEqual({ start: 49_997, end: 50_000 })
    expect(visibleRange(0, 100, 20, 0)).toEqual({ start: 0, end: 0 })
  })

  it('works in whole rows for a grid', () => {
    expect(gridRange(0, 400, 200, 5, 10_000, 1)).toEqual({ start: 0, end: 15 })
    expect(gridRange(200 * 1000, 400, 200, 5, 10_000, 1)).toEqual({ start: 4995, end: 5015 })
    expect(gridRange(0, 400, 200, 5, 7, 1)).toEqual({ start: 0, end: 7 })
  })

  it('scrolls only as far as needed to show a row', () => {
    expect(revealRow(0, 100, 20, 2)).toBe(0)
    expect(revealRow(0, 100, 20, 10)).toBe(120)
    expect(revealRow(300, 100, 20, 3)).toBe(60)
  })
})
