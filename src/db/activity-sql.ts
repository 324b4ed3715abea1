/**
 * A project's activity as counts per time bucket, for the viewer's dashboard: one grouped
 * statement per series family, bucketed by `strftime`, so a window of 90 days costs the same few
 * statements as a window of one. Durations are counted into histogram buckets in SQL (b0, b1, …)
 * rather than read row by row.
 */

export type ActivityBucket = 'hour' | 'day'

/** The bucket an ISO timestamp column falls in, as the ISO string of the bucket's start. */
export const bucketOf = (column: string, bucket: ActivityBucket) =>
  bucket === 'hour' ? `strftime('%Y-%m-%dT%H:00:00.000Z', ${column})` : `strftime('%Y-%m-%dT00:00:00.000Z', ${column})`

export interface CountRow {
  at: string
  key: string
  n: number
}

export interface ModelCountRow extends CountRow {
  model_name: string
  model_version: string
}

export type HistogramRow = { at: string; n: number } & Record<string, number | string>

const seconds = (from: string, to: string) => `(julianday(${to}) - julianday(${from})) * 86400.0`

export function activityStatements(d1: D1Database, projectId: string, since: string, bucket: ActivityBucket, bounds: readonly number[]) {
  const hist = (from: string, to: string) =>
    d1
      .prepare(
        `WITH d AS (SELECT ${bucketOf(to, bucket)} AS at, ${seconds(from, to)} AS s FROM analyses
           WHERE project_id = ?1 AND deleted_at IS NULL AND ${from} IS NOT NULL AND ${to} >= ?2)
         SELECT at, count(*) AS n, ${bounds.map((le, i) => `sum(s <= ${le}) AS b${i}`).join(', ')} FROM d GROUP BY at`,
      )
      .bind(projectId, since)
  return [
    d1
      .prepare(`SELECT ${bucketOf('created_at', bucket)} AS at, 'created' AS key, count(*) AS n FROM analyses WHERE project_id = ?1 AND deleted_at IS NULL AND created_at >= ?2 GROUP BY at`)
      .bind(projectId, since),
    d1
      .prepare(
        `SELECT ${bucketOf('completed_at', bucket)} AS at, status AS key, model_name, model_version, count(*) AS n FROM analyses
         WHERE project_id = ?1 AND deleted_at IS NULL AND completed_at >= ?2 AND status IN ('completed', 'failed', 'canceled')
         GROUP BY at, status, model_name, model_version`,
      )
      .bind(projectId, since),
    hist('created_at', 'started_at'),
    hist('started_at', 'completed_at'),
    d1
      .prepare(
        `SELECT ${bucketOf('created_at', bucket)} AS at, 'created' AS key, count(*) AS n FROM jobs WHERE project_id = ?1 AND created_at >= ?2 GROUP BY at
         UNION ALL
         SELECT ${bucketOf('completed_at', bucket)} AS at, status AS key, count(*) AS n FROM jobs
         WHERE project_id = ?1 AND completed_at >= ?2 AND status IN ('completed', 'failed') GROUP BY at, status`,
      )
      .bind(projectId, since),
    d1
      .prepare(
        `SELECT ${bucketOf('created_at', bucket)} AS at, CASE outcome WHEN 'delivered' THEN 'delivered' ELSE 'failed' END AS key, count(*) AS n
         FROM deliveries
         WHERE created_at >= ?2 AND ((run_kind = 'analysis' AND run_id IN (SELECT id FROM analyses WHERE project_id = ?1))
            OR (run_kind = 'job' AND run_id IN (SELECT id FROM jobs WHERE project_id = ?1)))
         GROUP BY at, key`,
      )
      .bind(projectId, since),
  ] as const
}
