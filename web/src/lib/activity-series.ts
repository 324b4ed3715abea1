import { formatDuration } from './format'
import type { ProjectActivity } from './types'

/** The windows the dashboard offers, as the activity query's `days`. */
export const ACTIVITY_WINDOWS = [
  { days: 1, label: '24 h' },
  { days: 7, label: '7 d' },
  { days: 30, label: '30 d' },
  { days: 90, label: '90 d' },
] as const

export const DEFAULT_WINDOW_DAYS = 7

/** The window a `?days=` value asks for; anything the picker does not offer falls back to the default, so a hand-edited URL still shows a page. */
export function windowDays(value: string | undefined): number {
  const days = Number(value)
  return ACTIVITY_WINDOWS.some((w) => w.days === days) ? days : DEFAULT_WINDOW_DAYS
}

export function windowLabel(days: number): string {
  return ACTIVITY_WINDOWS.find((w) => w.days === days)?.label ?? `${days} d`
}

/** uPlot's x values are Unix seconds. */
export function bucketTimes(buckets: readonly string[]): number[] {
  return buckets.map((iso) => Date.parse(iso) / 1000)
}

/** A bucket's start as the hidden tables and captions name it; in UTC, as the server cuts buckets. */
export function bucketLabel(iso: string, bucket: ProjectActivity['bucket']): string {
  const options: Intl.DateTimeFormatOptions =
    bucket === 'hour' ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' } : { month: 'short', day: 'numeric', timeZone: 'UTC' }
  return new Date(iso).toLocaleString('en-GB', options)
}

export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0)

/** The largest value that exists: a percentile series is null where nothing started or finished. */
export function peak(values: readonly (number | null)[]): number | null {
  let max: number | null = null
  for (const v of values) if (v !== null && (max === null || v > max)) max = v
  return max
}

export interface ActivityTotals {
  analyses: { created: number; completed: number; failed: number; canceled: number }
  jobs: { created: number; completed: number; failed: number }
  deliveries: { delivered: number; failed: number }
}

/** Each series summed over the window: the headline numbers and the charts' captions. */
export function activityTotals(activity: ProjectActivity): ActivityTotals {
  const { analyses: a, jobs: j, deliveries: d } = activity
  return {
    analyses: { created: sum(a.created), completed: sum(a.completed), failed: sum(a.failed), canceled: sum(a.canceled) },
    jobs: { created: sum(j.created), completed: sum(j.completed), failed: sum(j.failed) },
    deliveries: { delivered: sum(d.delivered), failed: sum(d.failed) },
  }
}

/** Nothing happened in the window: every count is zero (durations exist only where something ran). */
export function isQuiet(totals: ActivityTotals): boolean {
  return [totals.analyses, totals.jobs, totals.deliveries].every((group) => Object.values(group).every((n) => n === 0))
}

export interface ModelRow {
  key: string
  model_name: string
  model_version: string
  completed: number
  failed: number
  /** Failed ÷ finished; null when nothing finished. */
  failureRate: number | null
}

/** The per-version table, in the server's order (most active first). */
export function modelRows(models: ProjectActivity['models']): ModelRow[] {
  return models.map((m) => {
    const completed = sum(m.completed)
    const failed = sum(m.failed)
    const finished = completed + failed
    return { key: `${m.model_name}@${m.model_version}`, model_name: m.model_name, model_version: m.model_version, completed, failed, failureRate: finished ? failed / finished : null }
  })
}

/** Queue waits and processing times come in seconds and run from under one to a day. */
export function formatSeconds(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '—' : formatDuration(seconds * 1000)
}

/** "12.5%": a ratio with the decimals it needs, up to two. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—'
  return `${Number((ratio * 100).toFixed(2))}%`
}
