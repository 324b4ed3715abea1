import { currentLogContext, withLogContext } from './log'
import { continueOrStart, formatTraceparent } from './trace-context'

/**
 * How a trace crosses the boundaries Loupe does not serve over HTTP: Durable Object RPC, queue
 * messages and outgoing webhooks (docs/operations.md#traces). Each side that sends calls one
 * function here, each side that receives calls another, so the trace id is the same everywhere.
 */

/** What a caller hands a run's object, or a queue message carries, to continue its trace. */
export interface TraceMeta {
  requestId: string | null
  traceparent?: string
  tracestate?: string
}

/** The current request's ids, for an RPC argument or a queue message body. */
export function traceMeta(): TraceMeta {
  const ctx = currentLogContext()
  if (!ctx) return { requestId: null }
  const meta: TraceMeta = { requestId: ctx.requestId, traceparent: formatTraceparent(ctx.trace) }
  if (ctx.trace.tracestate) meta.tracestate = ctx.trace.tracestate
  return meta
}

/** Headers for an outgoing request (a webhook to a pipeline): the receiver becomes a child of this span. */
export function traceHeaders(): Record<string, string> {
  const meta = traceMeta()
  const headers: Record<string, string> = {}
  if (meta.traceparent) headers.traceparent = meta.traceparent
  if (meta.tracestate) headers.tracestate = meta.tracestate
  return headers
}

/**
 * Runs `fn` as the receiving side of `meta`: inside a run's object for an RPC call, or in the queue
 * consumer for one message. With no trace in `meta`, a new trace starts.
 */
export function continueTrace<R>(meta: Partial<TraceMeta> | undefined, fn: () => R): R {
  return withLogContext({ requestId: meta?.requestId ?? null, trace: continueOrStart(meta?.traceparent, meta?.tracestate) }, fn)
}
