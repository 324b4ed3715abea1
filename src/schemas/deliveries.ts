import { z } from 'zod'
import { Timestamp, Uuid } from './common'

/**
 * What became of one delivery attempt: `delivered` (2xx), `failed` (will be retried), `gone` (410:
 * the endpoint is disabled), `dead` (the last attempt failed; the message went to the dead-letter queue).
 */
/** What a run's work is handed over as; every other event follows one of these or announces an end. */
export const WORK_EVENTS: Record<string, string> = { analysis: 'analysis.created', job: 'job.runnable' }

/**
 * The lifecycle events an endpoint may subscribe to (a pipeline's `webhook_events`,
 * ML_WEBHOOK_EVENTS), as Replicate's event filter: the end of a run, however it ended.
 */
export const LIFECYCLE_EVENTS = ['analysis.completed', 'analysis.failed', 'analysis.canceled', 'job.completed', 'job.failed', 'job.canceled'] as const
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number]

export const DELIVERY_OUTCOMES = ['delivered', 'failed', 'gone', 'dead'] as const

/** The kinds of run the dispatcher can hand out; each names its payload builder in src/dispatch/run-payloads.ts. */
export const RunRef = z.object({ kind: z.string().min(1).max(50), id: Uuid })
export type RunRef = z.infer<typeof RunRef>

/** A queue message: which run, which event, for which endpoint. The payload is built at delivery, so it is never stale. */
export const DispatchMessage = z.object({
  v: z.literal(1),
  webhook_id: z.string().regex(/^msg_[A-Za-z0-9_-]+$/),
  run: RunRef,
  event: z.string().min(1).max(100),
  /** The registered pipeline whose webhook receives it; null for ML_WEBHOOK_URL. */
  pipeline_id: Uuid.nullable(),
  /** Where callbacks and image URLs point when PUBLIC_URL is unset: the origin the run was created on. */
  origin: z.string().url(),
  /** The trace of whatever sent it (the create, the cancel), continued by the consumer and sent on as the delivery's traceparent. */
  trace: z.object({ requestId: z.string().nullable(), traceparent: z.string().max(100).optional(), tracestate: z.string().max(512).optional() }).optional(),
})
export type DispatchMessage = z.infer<typeof DispatchMessage>

export const Delivery = z
  .object({
    id: Uuid,
    webhook_id: z.string(),
    run_kind: z.string(),
    run_id: Uuid,
    event: z.string(),
    pipeline_id: Uuid.nullable(),
    endpoint_url: z.string(),
    attempt: z.number().int(),
    outcome: z.enum(DELIVERY_OUTCOMES),
    response_status: z.number().int().nullable(),
    latency_ms: z.number().int().nullable(),
    response_excerpt: z.string().nullable(),
    error: z.string().nullable(),
    next_attempt_at: Timestamp.nullable(),
    attempted_at: Timestamp,
  })
  .meta({ id: 'Delivery' })

export const DeliveryList = z.object({ deliveries: z.array(Delivery) }).meta({ id: 'DeliveryList' })

export const Redelivered = z.object({ webhook_id: z.string() }).meta({ id: 'Redelivered' })
