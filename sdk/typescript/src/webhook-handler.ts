import type { LoupeClient } from './client'
import { AnalysisCanceled, isRecord, JobCanceled, RunCanceled } from './errors'
import type { JobRun } from './job-run'
import type { AnalysisRun } from './run'
import { webhookVerifier, WebhookVerificationError, type VerifyOptions, type WebhookEvent } from './webhooks'

/**
 * Runs one pushed run. `event.data` is the delivery's (an analysis's image URL among it); `signal`
 * aborts when a `*.canceled` delivery for the run arrives, and the run is then not finalized.
 */
export type DeliveryHandler<R> = (run: R, event: WebhookEvent, signal: AbortSignal) => Promise<unknown> | unknown

export interface WebhookHandlerOptions extends VerifyOptions {
  /** The pipeline's `whsec_` webhook secret, or several while you rotate. */
  secret: string | readonly string[]
  /** Runs `analysis.created` deliveries through `withAnalysis`. */
  analysis?: DeliveryHandler<AnalysisRun>
  /** Runs `job.runnable` deliveries through `withJob`. */
  job?: DeliveryHandler<JobRun>
  /** Every other event (`analysis.completed`, `job.failed`, `*.canceled`, …), and runs without a handler. */
  onEvent?: (event: WebhookEvent) => Promise<unknown> | unknown
  /** Keeps the work alive after the answer, when the call gives no context with its own `waitUntil`. */
  waitUntil?: (work: Promise<unknown>) => void
}

/** A Workers `ExecutionContext`, or anything else with a `waitUntil`; other second arguments (Bun's server, Deno's info) are ignored. */
export type WebhookContext = { waitUntil?: (work: Promise<unknown>) => void } | undefined

export type WebhookReceiver = (request: Request, context?: unknown) => Promise<Response>

/** How many delivery ids are remembered, so a retry of a delivery already taken is not run twice. */
const REMEMBERED_DELIVERIES = 1000

const RUNS = {
  'analysis.created': { kind: 'analysis', record: 'analysis' },
  'job.runnable': { kind: 'job', record: 'job' },
} as const
const CANCELS: Record<string, { record: 'analysis' | 'job'; error: typeof RunCanceled }> = {
  'analysis.canceled': { record: 'analysis', error: AnalysisCanceled },
  'job.canceled': { record: 'job', error: JobCanceled },
}

/**
 * A fetch-style receiver for push deliveries (Workers, Bun, Deno; Node through `nodeListener`). It
 * verifies each delivery (401 when the signature, or the timestamp, is wrong), answers 204 at
 * once, since a delivery times out after 15 s, and does the work after. On Workers pass the
 * request's context, `receive(request, ctx)`, so the work outlives the answer. A cancel reaches a
 * handler running in the same isolate or process; elsewhere its next callback raises the cancel.
 * A run continues the delivery's `traceparent` (a new trace when it has none, or a malformed one).
 */
export function webhookHandler(client: LoupeClient, options: WebhookHandlerOptions): WebhookReceiver {
  const verify = webhookVerifier(options.secret, options)
  const running = new Map<string, AbortController>()
  const seen = new Set<string>()

  /** `traceparent` is the delivery's: the run continues the trace Loupe sent it in. */
  async function work(event: WebhookEvent, traceparent: string | null): Promise<void> {
    const run = RUNS[event.type as keyof typeof RUNS]
    const cancel = CANCELS[event.type]
    const id = recordId(event, run?.record ?? cancel?.record)
    if (run && id && options[run.kind]) {
      if (running.has(id)) return // redelivered (a new webhook-id) while it runs
      const secret = isRecord(event.data.callback) ? event.data.callback.secret : undefined
      if (typeof secret === 'string') client.useCredential(id, secret)
      const controller = new AbortController()
      const signal = controller.signal
      running.set(id, controller)
      try {
        if (run.kind === 'analysis') await client.withAnalysis(id, (handle) => options.analysis!(handle, event, signal), { signal, traceparent })
        else await client.withJob(id, (handle) => options.job!(handle, event, signal), { signal, traceparent })
      } finally {
        running.delete(id)
      }
      return
    }
    if (cancel && id) running.get(id)?.abort(new cancel.error({ status: 409, code: `${cancel.record}_canceled`, message: `${event.type} delivered` }))
    await options.onEvent?.(event)
  }

  return async (request, context) => {
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: { Allow: 'POST' } })
    const body = new Uint8Array(await request.arrayBuffer())
    let event: WebhookEvent
    try {
      event = await verify(request.headers, body)
    } catch (err) {
      const status = err instanceof WebhookVerificationError ? 401 : 400
      return new Response((err as Error).message, { status, headers: { 'Content-Type': 'text/plain' } })
    }
    const deliveryId = request.headers.get('webhook-id')!
    if (remember(seen, deliveryId)) {
      const done = work(event, request.headers.get('traceparent')).catch((err) => {
        if (!(err instanceof RunCanceled)) client.logger.warn(`loupe: ${event.type} delivery ${deliveryId} failed: ${String(err)}`)
      })
      const waitUntil = (context as WebhookContext)?.waitUntil
      if (typeof waitUntil === 'function') waitUntil.call(context, done)
      else options.waitUntil?.(done)
    }
    return new Response(null, { status: 204 })
  }
}

function recordId(event: WebhookEvent, record: 'analysis' | 'job' | undefined): string | undefined {
  const value = record ? event.data[record] : undefined
  return isRecord(value) && typeof value.id === 'string' ? value.id : undefined
}

/** Adds `id`; false when it was already there. The oldest ids go first once the set is full. */
function remember(seen: Set<string>, id: string): boolean {
  if (seen.has(id)) return false
  seen.add(id)
  if (seen.size > REMEMBERED_DELIVERIES) seen.delete(seen.values().next().value!)
  return true
}
