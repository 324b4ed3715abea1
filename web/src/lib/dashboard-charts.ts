import { activityTotals, formatSeconds, peak } from './activity-series'
import { OKABE_ITO } from './palette'
import type { ProjectActivity } from './types'

export interface ChartLine {
  label: string
  values: (number | null)[]
  color: string
  /** Canvas dash pattern: p95 is dashed beside its solid p50. */
  dash?: number[]
}

export interface ChartSpec {
  id: string
  title: string
  unit: 'count' | 'seconds'
  lines: ChartLine[]
  /** The chart in one sentence, for everyone who does not see the canvas. */
  summary: string
}

// Okabe-Ito, as everywhere else in the viewer, so colour-blind readers can tell the lines apart;
// completed is green and failed vermillion on every chart.
// Okabe-Ito's dark blue is left out: it barely shows on the dark panels.
const [orange, sky, green, , , vermillion] = OKABE_ITO
const GREY = '#A2ABBA'

function counts(id: string, title: string, lines: [string, number[], string][], totals: Record<string, number>): ChartSpec {
  const summary = lines.map(([label]) => `${totals[label]!.toLocaleString('en')} ${label}`).join(', ')
  return { id, title, unit: 'count', lines: lines.map(([label, values, color]) => ({ label, values, color })), summary: `${summary} in the window.` }
}

function quantiles(id: string, title: string, q: ProjectActivity['queue_wait_seconds'], color: string, what: string): ChartSpec {
  const p50 = peak(q.p50)
  const p95 = peak(q.p95)
  const summary = p95 === null ? `No analysis ${what} in the window.` : `Highest p50 ${formatSeconds(p50)}, highest p95 ${formatSeconds(p95)}.`
  return {
    id,
    title,
    unit: 'seconds',
    lines: [
      { label: 'p50', values: q.p50, color },
      { label: 'p95', values: q.p95, color, dash: [6, 4] },
    ],
    summary,
  }
}

/** The dashboard's charts from one activity answer: what each draws, in which colour, and its text alternative. */
export function dashboardCharts(activity: ProjectActivity): ChartSpec[] {
  const t = activityTotals(activity)
  const a = activity.analyses
  const j = activity.jobs
  const d = activity.deliveries
  return [
    counts(
      'throughput',
      'Analyses',
      [
        ['created', a.created, sky],
        ['completed', a.completed, green],
        ['failed', a.failed, vermillion],
        ['canceled', a.canceled, GREY],
      ],
      t.analyses,
    ),
    quantiles('queue-wait', 'Queue wait', activity.queue_wait_seconds, orange, 'started'),
    quantiles('processing', 'Processing time', activity.processing_seconds, sky, 'finished'),
    counts(
      'deliveries',
      'Webhook deliveries',
      [
        ['delivered', d.delivered, green],
        ['failed', d.failed, vermillion],
      ],
      t.deliveries,
    ),
    counts(
      'jobs',
      'Jobs',
      [
        ['created', j.created, sky],
        ['completed', j.completed, green],
        ['failed', j.failed, vermillion],
      ],
      t.jobs,
    ),
  ]
}
