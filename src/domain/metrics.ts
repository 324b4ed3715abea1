import { bucketedPoints, lastPoint, latestValues, rawPoints, seriesStats, upsertPoints, type PointRow, type SeriesStats, type StoredPoint } from '../db/metric-sql'
import type { MetricPointInput, MetricSeries, MetricsQuery } from '../schemas/metrics'

/** Points as stored: times normalized to UTC ISO strings, the arrival time when none was given. */
export function toStored(points: MetricPointInput[], now: string): StoredPoint[] {
  return points.map((p) => ({ name: p.name, step: p.step, value: p.value, epoch: p.epoch ?? null, at: p.at ? new Date(p.at).toISOString() : now }))
}

export async function writePoints(d1: D1Database, jobId: string, points: StoredPoint[]) {
  await upsertPoints(d1, jobId, points).run()
}

const point = (r: PointRow) => ({ ...r, step: Number(r.step), value: Number(r.value), epoch: r.epoch === null ? null : Number(r.epoch) })

/**
 * A job's series, for charts: each series whole when it has at most `max_points` points in range,
 * else `max_points` buckets; or, with `downsample=false`, a raw page and the step to continue after.
 * Two round trips to D1 whatever the number of series.
 */
export async function readSeries(d1: D1Database, jobId: string, q: MetricsQuery): Promise<MetricSeries[]> {
  const { results: stats } = await seriesStats(d1, jobId, q.after_step, q.name ?? null).all<SeriesStats>()
  if (!stats.length) return []
  const plans = stats.map((s) => ({ s, raw: !q.downsample || s.count <= q.max_points }))
  const statements = plans.flatMap(({ s, raw }) => [
    lastPoint(d1, jobId, s.name),
    raw ? rawPoints(d1, jobId, s.name, q.after_step, q.max_points) : bucketedPoints(d1, jobId, s.name, s.first_step, s.last_step, q.max_points),
  ])
  const answers = await d1.batch<PointRow>(statements)
  return plans.map(({ s, raw }, i) => {
    const last = answers[2 * i]!.results[0]
    const points = answers[2 * i + 1]!.results.map(point)
    const more = raw && !q.downsample && s.count > points.length
    return {
      name: s.name,
      count: Number(s.count),
      first_step: Number(s.first_step),
      last: last ? point(last) : null,
      min: Number(s.min),
      max: Number(s.max),
      downsampled: !raw,
      points,
      next_after_step: more ? points.at(-1)!.step : null,
    }
  })
}

export async function latestMetricValues(d1: D1Database, jobId: string): Promise<Record<string, number>> {
  const { results } = await latestValues(d1, jobId).all<{ name: string; value: number }>()
  return Object.fromEntries(results.map((r) => [r.name, Number(r.value)]))
}
