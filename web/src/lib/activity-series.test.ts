import { describe, expect, it } from 'vitest'
import { activityTotals, bucketLabel, bucketTimes, formatPercent, formatSeconds, isQuiet, modelRows, peak, windowDays, windowLabel } from './activity-series'
import { activityOf } from './activity-fixtures'

describe('the window in the URL', () => {
  it('reads the four offered windows and falls back to 7 days for anything else', () => {
    expect(['1', '7', '30', '90'].map(windowDays)).toEqual([1, 7, 30, 90])
    expect([undefined, '', '3', '-1', 'abc', '7.5', '365'].map(windowDays)).toEqual([7, 7, 7, 7, 7, 7, 7])
  })

  it('names windows as the picker does', () => {
    expect(windowLabel(1)).toBe('24 h')
    expect(windowLabel(90)).toBe('90 d')
    expect(windowLabel(3)).toBe('3 d')
  })
})

describe('buckets', () => {
  it('turns bucket starts into Unix seconds for uPlot', () => {
    expect(bucketTimes(['1970-01-01T00:00:00.000Z', '2026-12-03T10:00:00.000Z'])).toEqual([0, Date.UTC(2026, 11, 3, 10) / 1000])
  })

  it('labels hours and days in UTC whatever the browser’s zone', () => {
    expect(bucketLabel('2026-12-03T23:00:00.000Z', 'hour')).toBe('3 Dec, 23:00')
    expect(bucketLabel('2026-12-03T00:00:00.000Z', 'day')).toBe('3 Dec')
  })
})

describe('totals', () => {
  it('sums every series over the window', () => {
    const a = activityOf({
      analyses: { created: [3, 0, 2], completed: [1, 1, 1], failed: [0, 1, 0], canceled: [0, 0, 1] },
      jobs: { created: [0, 1, 0], completed: [0, 1, 0], failed: [0, 0, 0] },
      deliveries: { delivered: [4, 0, 0], failed: [0, 0, 2] },
    })
    expect(activityTotals(a)).toEqual({
      analyses: { created: 5, completed: 3, failed: 1, canceled: 1 },
      jobs: { created: 1, completed: 1, failed: 0 },
      deliveries: { delivered: 4, failed: 2 },
    })
  })

  it('calls a window quiet only when every count is zero', () => {
    expect(isQuiet(activityTotals(activityOf()))).toBe(true)
    expect(isQuiet(activityTotals(activityOf({ deliveries: { delivered: [0, 0, 0], failed: [0, 1, 0] } })))).toBe(false)
    expect(isQuiet(activityTotals(activityOf({ jobs: { created: [1, 0, 0], completed: [0, 0, 0], failed: [0, 0, 0] } })))).toBe(false)
  })

  it('takes the peak of a percentile series, skipping buckets where nothing ran', () => {
    expect(peak([null, 3, null, 12.5, 4])).toBe(12.5)
    expect(peak([null, null])).toBeNull()
    expect(peak([0, null])).toBe(0)
  })
})

describe('model versions', () => {
  it('totals each version and its failure rate, keeping the server’s order', () => {
    const rows = modelRows([
      { model_name: 'yolo', model_version: '2', completed: [3, 3, 0], failed: [1, 0, 1] },
      { model_name: 'yolo', model_version: '1', completed: [0, 0, 0], failed: [0, 0, 0] },
    ])
    expect(rows.map((r) => [r.key, r.completed, r.failed, r.failureRate])).toEqual([
      ['yolo@2', 6, 2, 0.25],
      ['yolo@1', 0, 0, null],
    ])
  })
})

describe('formatting', () => {
  it('writes seconds as a person reads them, from milliseconds to hours', () => {
    expect([0.25, 4.2, 42, 250, 7_500, null].map(formatSeconds)).toEqual(['250 ms', '4.2 s', '42 s', '4 min 10 s', '2 h 5 min', '—'])
  })

  it('writes ratios as percentages with at most two decimals', () => {
    expect([0.99, 0.995, 0.98765, 1, 0, null, Number.NaN].map(formatPercent)).toEqual(['99%', '99.5%', '98.77%', '100%', '0%', '—', '—'])
  })
})
