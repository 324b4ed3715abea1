import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { log, withLogContext } from './log'
import { continueOrStart, formatTraceparent, parseTraceparent } from './trace-context'

/**
 * Continues the caller's W3C trace (or starts one), makes it the context of every log line the
 * request writes, answers with `traceresponse`, and writes one line per request.
 */
export const traced = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header('traceparent')
  const trace = continueOrStart(incoming, c.req.header('tracestate'))
  c.set('trace', trace)
  const started = Date.now()
  // Set before the handler, like X-Request-Id, so responses the handler builds itself keep it.
  c.header('traceresponse', formatTraceparent(trace))
  await withLogContext({ requestId: c.get('requestId'), trace }, async () => {
    await next()
    const status = c.res.status
    log[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info']('request', {
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Date.now() - started,
      user_id: c.get('user')?.id ?? null,
      parent_span_id: trace.parentSpanId,
      ...(incoming && !parseTraceparent(incoming) ? { traceparent_rejected: incoming.slice(0, 100) } : {}),
    })
  })
})
