import { describe, expect, it } from 'vitest'
import { activityOf } from './activity-fixtures'
import { dashboardCharts } from './dashboard-charts'

describe('dashboard charts', () => {
  const charts = dashboardCharts(
    activityOf({
      analyses: { created: [2, 1, 0], completed: [1, 1, 0], failed: [0, 1, 0], canceled: [0, 0, 0] },
      queue_wait_seconds: { p50: [null, 2, 1], p95: [null, 30, 4] },
      deliveries: { delivered: [1, 0, 0], failed: [0, 0, 1] },
    }),
  )
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]))

  it('draws throughput, both durations, deliveries and jobs, in that order', () => {
    expect(charts.map((c) => [c.id, c.unit, c.lines.map((l) => l.label)])).toEqual([
      ['throughput', 'count', ['created', 'completed', 'failed', 'canceled']],
      ['queue-wait', 'seconds', ['p50', 'p95']],
      ['processing', 'seconds', ['p50', 'p95']],
      ['deliveries', 'count', ['delivered', 'failed']],
      ['jobs', 'count', ['created', 'completed', 'failed']],
    ])
  })

  it('passes the server’s values through, nulls included, so gaps stay gaps', () => {
    expect(byId['throughput']!.lines[2]!.values).toEqual([0, 1, 0])
    expect(byId['queue-wait']!.lines[1]!.values).toEqual([null, 30, 4])
  })

  it('gives failed one colour on every chart and dashes p95 beside a solid p50', () => {
    const failed = charts.flatMap((c) => c.lines.filter((l) => l.label === 'failed').map((l) => l.color))
    expect(new Set(failed).size).toBe(1)
    const [p50, p95] = byId['queue-wait']!.lines
    expect(p50!.dash).toBeUndefined()
    expect(p95!.dash?.length).toBeGreaterThan(0)
    expect(p95!.color).toBe(p50!.color)
  })

  it('sums the counts and names the peaks in each chart’s text alternative', () => {
    expect(byId['throughput']!.summary).toBe('3 created, 2 completed, 1 failed, 0 canceled in the window.')
    expect(byId['deliveries']!.summary).toBe('1 delivered, 1 failed in the window.')
    expect(byId['queue-wait']!.summary).toBe('Highest p50 2.0 s, highest p95 30 s.')
    expect(byId['processing']!.summary).toBe('No analysis finished in the window.')
  })
})
