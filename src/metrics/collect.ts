import { ACTIVE_STATUSES } from '../schemas/runs'
import { DURATION_BUCKETS, histogramSamples, type Family } from './exposition'
import type { MetricsScope } from './scope'

/**
 * The metric families of GET /api/metrics, each computed from rows Loupe already keeps (analyses,
 * audit_log), never counted a second time (docs/operations.md#metrics). Each family is one
 * aggregate query; the scope binds as one JSON parameter, however many projects it holds.
 */

const scoped = (scope: MetricsScope, column: string) => (scope ? `${column} IN (SELECT value FROM json_each(?1))` : '1 = 1')
const binds = (scope: MetricsScope) => (scope ? [JSON.stringify(scope)] : [])

const seconds = (from: string, to: string) => `(julianday(${to}) - julianday(${from})) * 86400.0`

interface DurationRow extends Record<string, unknown> {
  model_name: string
  model_version: string
  n: number
  total: number
}

function durationQuery(d1: D1Database, scope: MetricsScope, from: string, to: string) {
  const buckets = DURATION_BUCKETS.map((le, i) => `sum(s <= ${le}) AS b${i}`).join(', ')
  return d1
    .prepare(
      `WITH d AS (SELECT model_name, model_version, ${seconds(from, to)} AS s FROM analyses
         WHERE ${from} IS NOT NULL AND ${to} IS NOT NULL AND deleted_at IS NULL AND ${scoped(scope, 'project_id')})
       SELECT model_name, model_version, count(*) AS n, sum(s) AS total, ${buckets} FROM d GROUP BY model_name, model_version`,
    )
    .bind(...binds(scope))
}

function histogram(name: string, help: string, rows: DurationRow[]): Family {
  return {
    name,
    help,
    type: 'histogram',
    samples: rows.flatMap((r) =>
      histogramSamples(
        { model_name: r.model_name, model_version: r.model_version },
        DURATION_BUCKETS.map((_, i) => Number(r[`b${i}`] ?? 0)),
        r.total ?? 0,
        r.n,
      ),
    ),
  }
}

export async function collectMetrics(d1: D1Database, scope: MetricsScope): Promise<Family[]> {
  const [byStatus, queueWait, processing, rejections, content] = await d1.batch([
    d1
      .prepare(
        `SELECT model_name, model_version, status, count(*) AS n FROM analyses
         WHERE deleted_at IS NULL AND ${scoped(scope, 'project_id')} GROUP BY model_name, model_version, status`,
      )
      .bind(...binds(scope)),
    durationQuery(d1, scope, 'created_at', 'started_at'),
    durationQuery(d1, scope, 'started_at', 'completed_at'),
    d1
      .prepare(
        `SELECT coalesce(json_extract(details, '$.code'), 'unknown') AS code, count(*) AS n FROM audit_log
         WHERE action = 'callback.rejected' AND ${scope ? `target_id IN (SELECT id FROM analyses WHERE ${scoped(scope, 'project_id')})` : '1 = 1'}
         GROUP BY code`,
      )
      .bind(...binds(scope)),
    d1
      .prepare(
        `SELECT (SELECT count(*) FROM projects WHERE deleted_at IS NULL AND ${scoped(scope, 'id')}) AS projects,
                (SELECT count(*) FROM images WHERE deleted_at IS NULL AND ${scoped(scope, 'project_id')}) AS images,
                (SELECT coalesce(sum(annotation_count), 0) FROM analyses WHERE deleted_at IS NULL AND ${scoped(scope, 'project_id')}) AS annotations`,
      )
      .bind(...binds(scope)),
  ])
  const statusRows = byStatus!.results as { model_name: string; model_version: string; status: string; n: number }[]
  const totals = content!.results[0] as { projects: number; images: number; annotations: number }
  const active = new Map<string, { model_name: string; model_version: string; n: number }>()
  for (const r of statusRows) {
    if (!(ACTIVE_STATUSES as readonly string[]).includes(r.status)) continue
    const key = `${r.model_name}\u0000${r.model_version}`
    const entry = active.get(key) ?? { model_name: r.model_name, model_version: r.model_version, n: 0 }
    entry.n += r.n
    active.set(key, entry)
  }
  return [
    {
      name: 'loupe_analyses',
      help: 'Analyses (not deleted) by model, version and status; rates of success, failure and cancel are rate() over the finished statuses',
      type: 'gauge',
      samples: statusRows.map((r) => ({ labels: { model_name: r.model_name, model_version: r.model_version, status: r.status }, value: r.n })),
    },
    {
      name: 'loupe_analyses_active',
      help: 'Analyses queued or processing, by model and version',
      type: 'gauge',
      samples: [...active.values()].map((r) => ({ labels: { model_name: r.model_name, model_version: r.model_version }, value: r.n })),
    },
    histogram('loupe_analysis_queue_wait_seconds', 'From creation to the pipeline starting it', queueWait!.results as DurationRow[]),
    histogram('loupe_analysis_processing_seconds', 'From start to finish (completed, failed or canceled)', processing!.results as DurationRow[]),
    {
      name: 'loupe_callback_rejections_total',
      help: 'Pipeline callbacks refused at the signature check, by error code',
      type: 'counter',
      samples: (rejections!.results as { code: string; n: number }[]).map((r) => ({ labels: { code: r.code }, value: r.n })),
    },
    { name: 'loupe_projects', help: 'Projects (not deleted)', type: 'gauge', samples: [{ labels: {}, value: totals.projects }] },
    { name: 'loupe_images', help: 'Images (not deleted)', type: 'gauge', samples: [{ labels: {}, value: totals.images }] },
    { name: 'loupe_annotations', help: 'Annotations of analyses not deleted', type: 'gauge', samples: [{ labels: {}, value: totals.annotations }] },
  ]
}
