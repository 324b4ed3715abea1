import type { MetricPoint } from '../schemas/metrics'

/**
 * The raw SQL of job metrics: one `json_each` insert for a whole request (D1 allows 100 bound
 * parameters; a JSON array is one), and the reads a chart needs, each an index range scan on
 * (job_id, name, step).
 */
export interface StoredPoint {
  name: string
  step: number
  value: number
  epoch: number | null
  at: string
}

/** A point posted again for the same name and step replaces the old one: retries change nothing. */
export const upsertPoints = (d1: D1Database, jobId: string, points: StoredPoint[]) =>
  d1
    .prepare(
      `INSERT INTO job_metrics (job_id, name, step, value, epoch, at)
       SELECT ?1, json_extract(value, '$.name'), json_extract(value, '$.step'), json_extract(value, '$.value'),
              json_extract(value, '$.epoch'), json_extract(value, '$.at')
       FROM json_each(?2) WHERE true
       ON CONFLICT (job_id, name, step) DO UPDATE SET value = excluded.value, epoch = excluded.epoch, at = excluded.at`,
    )
    .bind(jobId, JSON.stringify(points))

export interface SeriesStats {
  name: string
  count: number
  first_step: number
  last_step: number
  min: number
  max: number
}

export const seriesStats = (d1: D1Database, jobId: string, afterStep: number, name: string | null) =>
  d1
    .prepare(
      `SELECT name, count(*) AS count, min(step) AS first_step, max(step) AS last_step, min(value) AS min, max(value) AS max
       FROM job_metrics WHERE job_id = ?1 AND step > ?2 AND (?3 IS NULL OR name = ?3) GROUP BY name ORDER BY name`,
    )
    .bind(jobId, afterStep, name)

export const lastPoint = (d1: D1Database, jobId: string, name: string) =>
  d1.prepare('SELECT step, value, epoch, at FROM job_metrics WHERE job_id = ? AND name = ? ORDER BY step DESC LIMIT 1').bind(jobId, name)

export const rawPoints = (d1: D1Database, jobId: string, name: string, afterStep: number, limit: number) =>
  d1
    .prepare('SELECT step, value, epoch, at FROM job_metrics WHERE job_id = ? AND name = ? AND step > ? ORDER BY step LIMIT ?')
    .bind(jobId, name, afterStep, limit)

/**
 * `buckets` equal ranges of steps over [from, to]; each gives its last point (the value a chart
 * draws) with the bucket's min, max, mean and count, so spikes survive downsampling.
 */
export const bucketedPoints = (d1: D1Database, jobId: string, name: string, from: number, to: number, buckets: number) =>
  d1
    .prepare(
      `WITH b AS (
         SELECT CAST((step - ?3) * ?5 / (?4 - ?3 + 1) AS INTEGER) AS bucket, step, value FROM job_metrics
         WHERE job_id = ?1 AND name = ?2 AND step >= ?3 AND step <= ?4)
       SELECT agg.step, m.value, m.epoch, m.at, agg.min, agg.max, agg.mean, agg.count
       FROM (SELECT max(step) AS step, min(value) AS min, max(value) AS max, avg(value) AS mean, count(*) AS count FROM b GROUP BY bucket) agg
       JOIN job_metrics m ON m.job_id = ?1 AND m.name = ?2 AND m.step = agg.step
       ORDER BY agg.step`,
    )
    .bind(jobId, name, from, to, buckets)

export type PointRow = Omit<MetricPoint, 'min' | 'max' | 'mean' | 'count'> & Partial<Pick<MetricPoint, 'min' | 'max' | 'mean' | 'count'>>

/** The latest value of each metric of a job: what a registered version records when it is given no metrics. */
export const latestValues = (d1: D1Database, jobId: string) =>
  d1
    .prepare(
      `SELECT m.name, m.value FROM job_metrics m
       JOIN (SELECT name, max(step) AS step FROM job_metrics WHERE job_id = ?1 GROUP BY name) last ON last.name = m.name AND last.step = m.step
       WHERE m.job_id = ?1`,
    )
    .bind(jobId)
