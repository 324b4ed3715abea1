import { AsyncLocalStorage } from 'node:async_hooks'
import type { TraceContext } from './trace-context'

/** What every log line carries: the request it belongs to and its place in the trace. */
export interface LogContext {
  requestId: string | null
  trace: TraceContext
}

const context = new AsyncLocalStorage<LogContext>()

/** Runs `fn` with `ctx` as the context of every log line written inside it, across awaits. */
export const withLogContext = <R>(ctx: LogContext, fn: () => R): R => context.run(ctx, fn)

export const currentLogContext = (): LogContext | undefined => context.getStore()

type Level = 'debug' | 'info' | 'warn' | 'error'
const sink: Record<Level, (line: string) => void> = {
  debug: (l) => console.debug(l),
  info: (l) => console.log(l),
  warn: (l) => console.warn(l),
  error: (l) => console.error(l),
}

/**
 * The one way the Worker and its Durable Objects write logs: one JSON object per line with the
 * request id and trace id of whatever is running (docs/operations.md#logs), so Workers Logs
 * can be searched by either.
 */
function write(level: Level, message: string, fields: Record<string, unknown> = {}) {
  const ctx = context.getStore()
  const line = {
    level,
    message,
    request_id: ctx?.requestId ?? null,
    trace_id: ctx?.trace.traceId ?? null,
    span_id: ctx?.trace.spanId ?? null,
    ...fields,
  }
  sink[level](JSON.stringify(line))
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
}
