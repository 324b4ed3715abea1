import {
  analysesByStatus,
  callbackRejections,
  contentTotals,
  deliveryAttempts,
  durations,
  jobsByStatus,
  rateLimitRefusals,
  type ContentTotals,
  type DeliveryRow,
  type DurationRow,
  type JobStatusRow,
  type RefusalRow,
  type RejectionRow,
  type StatusRow,
} from '../db/ops-metrics-sql'
import { ACTIVE_STATUSES } from '../schemas/runs'
import { DELIVERY_LATENCY_BUCKETS, DURATION_BUCKETS, histogramSamples, type Family } from './exposition'
import type { MetricsScope } from './scope'

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

/**
 * The metric families of GET /api/metrics, each computed from rows Loupe already keeps (analyses,
 * jobs, the delivery log, audit_log), never counted a second time (docs/operations.md#metrics). Each family is one
 * aggregate query; the scope binds as one JSON parameter, however many projects it holds.
 */
export async function collectMetrics(d1: D1Database, scope: MetricsScope): Promise<Family[]> {
  const [byStatus, queueWait, processing, rejections, content, jobRows, deliveryRows, refusals] = await d1.batch([
    analysesByStatus(d1, scope),
    durations(d1, scope, 'created_at', 'started_at', DURATION_BUCKETS),
    durations(d1, scope, 'started_at', 'completed_at', DURATION_BUCKETS),
    callbackRejections(d1, scope),
    contentTotals(d1, scope),
    jobsByStatus(d1, scope),
    deliveryAttempts(d1, scope, DELIVERY_LATENCY_BUCKETS),
    rateLimitRefusals(d1),
  ])
  const jobs = jobRows!.results as JobStatusRow[]
  const activeJobs = new Map<string, number>()
  for (const r of jobs) if ((ACTIVE_STATUSES as readonly string[]).includes(r.status)) activeJobs.set(r.kind, (activeJobs.get(r.kind) ?? 0) + r.n)
  const attempts = deliveryRows!.results as DeliveryRow[]
  const statusRows = byStatus!.results as StatusRow[]
  const totals = content!.results[0] as ContentTotals
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
      samples: (rejections!.results as RejectionRow[]).map((r) => ({ labels: { code: r.code }, value: r.n })),
    },
    {
      name: 'loupe_jobs',
      help: 'Jobs by kind and status',
      type: 'gauge',
      samples: jobs.map((r) => ({ labels: { kind: r.kind, status: r.status }, value: r.n })),
    },
    {
      name: 'loupe_jobs_active',
      help: 'Jobs queued or processing, by kind',
      type: 'gauge',
      samples: [...activeJobs].map(([kind, n]) => ({ labels: { kind }, value: n })),
    },
    {
      name: 'loupe_webhook_deliveries_total',
      help: 'Webhook delivery attempts by event and outcome (delivered, failed and retried, gone, dead after the last retry)',
      type: 'counter',
      samples: attempts.map((r) => ({ labels: { event: r.event, outcome: r.outcome }, value: r.n })),
    },
    {
      name: 'loupe_webhook_delivery_seconds',
      help: 'How long receivers took to answer a delivery attempt, by event',
      type: 'histogram',
      samples: [...Map.groupBy(attempts, (r) => r.event)].flatMap(([event, rows]) =>
        histogramSamples(
          { event },
          DELIVERY_LATENCY_BUCKETS.map((_, i) => rows.reduce((n, r) => n + Number(r[`b${i}`] ?? 0), 0)),
          rows.reduce((n, r) => n + Number(r.total), 0),
          rows.reduce((n, r) => n + Number(r.timed), 0),
          DELIVERY_LATENCY_BUCKETS,
        ),
      ),
    },
    {
      name: 'loupe_rate_limited_total',
      help: 'Requests refused with 429, by the limit that refused them (the whole deployment; scrapers only)',
      type: 'counter',
      // Limits count tokens, keys and addresses, not projects: a person's scope has no share of them.
      samples: scope === null ? (refusals!.results as RefusalRow[]).map((r) => ({ labels: { scope: r.scope }, value: Number(r.n) })) : [],
    },
    { name: 'loupe_projects', help: 'Projects (not deleted)', type: 'gauge', samples: [{ labels: {}, value: totals.projects }] },
    { name: 'loupe_images', help: 'Images (not deleted)', type: 'gauge', samples: [{ labels: {}, value: totals.images }] },
    { name: 'loupe_annotations', help: 'Annotations of analyses not deleted', type: 'gauge', samples: [{ labels: {}, value: totals.annotations }] },
  ]
}
