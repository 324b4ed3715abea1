/**
 * The SQL of GET /api/metrics and the SLOs (not the job metrics of `metric-sql.ts`): aggregates over
 * analyses, jobs, deliveries and audit_log with julianday arithmetic, each one statement for one `d1.batch()`. A scope
 * of projects binds as one JSON parameter however many projects it holds; `null` is every project.
 */
type Scope = readonly string[] | null

const scoped = (scope: Scope, column: string) => (scope ? `${column} IN (SELECT value FROM json_each(?1))` : '1 = 1')
const binds = (scope: Scope) => (scope ? [JSON.stringify(scope)] : [])

const seconds = (from: string, to: string) => `(julianday(${to}) - julianday(${from})) * 86400.0`

export interface StatusRow {
  model_name: string
  model_version: string
  status: string
  n: number
}

/** Columns b0, b1, … count the durations at or under each bucket bound. */
export interface DurationRow extends Record<string, unknown> {
  model_name: string
  model_version: string
  n: number
  total: number
}

export interface RejectionRow {
  code: string
  n: number
}

export interface ContentTotals {
  projects: number
  images: number
  annotations: number
}

export const analysesByStatus = (d1: D1Database, scope: Scope) =>
  d1
    .prepare(
      `SELECT model_name, model_version, status, count(*) AS n FROM analyses
       WHERE deleted_at IS NULL AND ${scoped(scope, 'project_id')} GROUP BY model_name, model_version, status`,
    )
    .bind(...binds(scope))

/** The seconds from column `from` to column `to` of each analysis that has both, per model and version. */
export function durations(d1: D1Database, scope: Scope, from: string, to: string, buckets: readonly number[]) {
  const counts = buckets.map((le, i) => `sum(s <= ${le}) AS b${i}`).join(', ')
  return d1
    .prepare(
      `WITH d AS (SELECT model_name, model_version, ${seconds(from, to)} AS s FROM analyses
         WHERE ${from} IS NOT NULL AND ${to} IS NOT NULL AND deleted_at IS NULL AND ${scoped(scope, 'project_id')})
       SELECT model_name, model_version, count(*) AS n, sum(s) AS total, ${counts} FROM d GROUP BY model_name, model_version`,
    )
    .bind(...binds(scope))
}

export const callbackRejections = (d1: D1Database, scope: Scope) =>
  d1
    .prepare(
      `SELECT coalesce(json_extract(details, '$.code'), 'unknown') AS code, count(*) AS n FROM audit_log
       WHERE action = 'callback.rejected' AND ${scope ? `target_id IN (SELECT id FROM analyses WHERE ${scoped(scope, 'project_id')})` : '1 = 1'}
       GROUP BY code`,
    )
    .bind(...binds(scope))

export const contentTotals = (d1: D1Database, scope: Scope) =>
  d1
    .prepare(
      `SELECT (SELECT count(*) FROM projects WHERE deleted_at IS NULL AND ${scoped(scope, 'id')}) AS projects,
              (SELECT count(*) FROM images WHERE deleted_at IS NULL AND ${scoped(scope, 'project_id')}) AS images,
              (SELECT coalesce(sum(annotation_count), 0) FROM analyses WHERE deleted_at IS NULL AND ${scoped(scope, 'project_id')}) AS annotations`,
    )
    .bind(...binds(scope))

export interface JobStatusRow {
  kind: string
  status: string
  n: number
}

export const jobsByStatus = (d1: D1Database, scope: Scope) =>
  d1.prepare(`SELECT kind, status, count(*) AS n FROM jobs WHERE ${scoped(scope, 'project_id')} GROUP BY kind, status`).bind(...binds(scope))

/** Columns b0, b1, … count the attempts answered within each bucket bound (seconds). */
export interface DeliveryRow extends Record<string, unknown> {
  event: string
  outcome: string
  n: number
  /** Attempts that got an answer (a latency): the histogram counts only those. */
  timed: number
  total: number
}

/** Webhook delivery attempts by event and outcome, with their latency, from the delivery log itself. */
export function deliveryAttempts(d1: D1Database, scope: Scope, buckets: readonly number[]) {
  const counts = buckets.map((le, i) => `sum(latency_ms IS NOT NULL AND latency_ms <= ${le * 1000}) AS b${i}`).join(', ')
  const inScope = scope
    ? `((run_kind = 'analysis' AND run_id IN (SELECT id FROM analyses WHERE ${scoped(scope, 'project_id')}))
        OR (run_kind = 'job' AND run_id IN (SELECT id FROM jobs WHERE ${scoped(scope, 'project_id')})))`
    : '1 = 1'
  return d1
    .prepare(
      `SELECT event, outcome, count(*) AS n, count(latency_ms) AS timed, coalesce(sum(latency_ms), 0) / 1000.0 AS total, ${counts}
       FROM deliveries WHERE ${inScope} GROUP BY event, outcome`,
    )
    .bind(...binds(scope))
}

export interface RefusalRow {
  scope: string
  n: number
}

/** 429s by limit scope, over the days still kept; not a project's number, so the whole deployment's. */
export const rateLimitRefusals = (d1: D1Database) => d1.prepare('SELECT scope, sum(n) AS n FROM rate_limit_refusals GROUP BY scope')

export interface SloWindow {
  model_name?: string
  model_version?: string
  /** Analyses created at or after this instant count. */
  windowStart: string
  thresholdSeconds: number
  now: string
}

export interface SloCounts {
  good: number
  pending: number
  n: number
}

/**
 * The analyses of one SLO's window: good when completed within the threshold of creation, pending
 * while unfinished within it, and n in all.
 */
export function sloCounts(d1: D1Database, slo: SloWindow, scope: Scope) {
  const where = ['deleted_at IS NULL', 'created_at >= ?1']
  const params: unknown[] = [slo.windowStart, slo.thresholdSeconds, slo.now]
  if (slo.model_name) (where.push(`model_name = ?${params.length + 1}`), params.push(slo.model_name))
  if (slo.model_version) (where.push(`model_version = ?${params.length + 1}`), params.push(slo.model_version))
  if (scope) (where.push(`project_id IN (SELECT value FROM json_each(?${params.length + 1}))`), params.push(JSON.stringify(scope)))
  return d1
    .prepare(
      `SELECT
         coalesce(sum(status = 'completed' AND ${seconds('created_at', 'completed_at')} <= ?2), 0) AS good,
         coalesce(sum(completed_at IS NULL AND ${seconds('created_at', '?3')} <= ?2), 0) AS pending,
         count(*) AS n
       FROM analyses WHERE ${where.join(' AND ')}`,
    )
    .bind(...params)
}
