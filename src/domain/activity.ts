import type { z } from 'zod'
import type { CurrentUser } from '../app-env'
import type { DataAccess } from '../db/client'
import { activityStatements, type ActivityBucket, type CountRow, type HistogramRow, type ModelCountRow } from '../db/activity-sql'
import { DURATION_BUCKETS } from '../metrics/exposition'
import type { ActivityQuery, ProjectActivity } from '../schemas/activity'
import { getProject } from './projects'

const HOUR = 3_600_000
const MAX_MODELS = 10

/**
 * The quantile `q` of a histogram as Prometheus' histogram_quantile estimates it: find the bucket
 * the rank falls in and interpolate linearly within it (from 0 for the first). Past the last bound
 * the answer is that bound, as an estimate cannot see beyond it.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[], count: number): number | null {
  if (!count) return null
  const rank = q * count
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i]! >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!
      const below = i === 0 ? 0 : cumulative[i - 1]!
      const inBucket = cumulative[i]! - below
      return inBucket === 0 ? bounds[i]! : lower + (bounds[i]! - lower) * ((rank - below) / inBucket)
    }
  }
  return bounds.at(-1)!
}

const startOf = (t: number, bucket: ActivityBucket) => {
  const d = new Date(t)
  d.setUTCMinutes(0, 0, 0)
  if (bucket === 'day') d.setUTCHours(0)
  return d.getTime()
}

/** A project's last `days` as series per hour or day: what its dashboard charts. */
export async function projectActivity({ db, d1 }: DataAccess, user: CurrentUser, projectId: string, q: z.output<typeof ActivityQuery>, now = Date.now()): Promise<z.output<typeof ProjectActivity>> {
  await getProject(db, user, projectId, 'read')
  const bucket = q.bucket ?? (q.days <= 3 ? 'hour' : 'day')
  const step = bucket === 'hour' ? HOUR : 24 * HOUR
  const first = startOf(now - q.days * 24 * HOUR, bucket)
  const buckets: string[] = []
  for (let t = first; t <= now; t += step) buckets.push(new Date(t).toISOString())
  const index = new Map(buckets.map((b, i) => [b, i]))
  const since = buckets[0]!

  const [created, finished, waits, runs, jobRows, deliveryRows] = await d1.batch([...activityStatements(d1, projectId, since, bucket, DURATION_BUCKETS)])
  const zeros = () => buckets.map(() => 0)
  const series = <K extends string>(rows: CountRow[], keys: readonly K[]) => {
    const out = Object.fromEntries(keys.map((k) => [k, zeros()])) as Record<K, number[]>
    for (const r of rows) {
      const i = index.get(r.at)
      if (i !== undefined && (keys as readonly string[]).includes(r.key)) out[r.key as K][i]! += Number(r.n)
    }
    return out
  }
  const quantiles = (rows: HistogramRow[]) => {
    const byBucket = new Map(rows.map((r) => [r.at, r]))
    const at = (p: number) =>
      buckets.map((b) => {
        const r = byBucket.get(b)
        return r ? histogramQuantile(p, DURATION_BUCKETS, DURATION_BUCKETS.map((_, i) => Number(r[`b${i}`] ?? 0)), Number(r.n)) : null
      })
    return { p50: at(0.5), p95: at(0.95) }
  }

  const finishedRows = finished!.results as ModelCountRow[]
  const models = new Map<string, { model_name: string; model_version: string; completed: number[]; failed: number[]; total: number }>()
  for (const r of finishedRows) {
    const i = index.get(r.at)
    if (i === undefined || (r.key !== 'completed' && r.key !== 'failed')) continue
    const key = JSON.stringify([r.model_name, r.model_version])
    const m = models.get(key) ?? models.set(key, { model_name: r.model_name, model_version: r.model_version, completed: zeros(), failed: zeros(), total: 0 }).get(key)!
    m[r.key][i]! += Number(r.n)
    m.total += Number(r.n)
  }
  return {
    bucket,
    from: since,
    to: new Date(now).toISOString(),
    buckets,
    analyses: { ...series(created!.results as CountRow[], ['created']), ...series(finishedRows, ['completed', 'failed', 'canceled']) },
    queue_wait_seconds: quantiles(waits!.results as HistogramRow[]),
    processing_seconds: quantiles(runs!.results as HistogramRow[]),
    jobs: series(jobRows!.results as CountRow[], ['created', 'completed', 'failed']),
    deliveries: series(deliveryRows!.results as CountRow[], ['delivered', 'failed']),
    models: [...models.values()]
      .sort((a, b) => b.total - a.total)
      .slice(0, MAX_MODELS)
      .map(({ total: _, ...m }) => m),
  }
}
