import { etag } from 'hono/etag'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'

/**
 * Conditional reads (docs/operations.md#conditional-reads): an `ETag` on every 200, and `304 Not
 * Modified` when `If-None-Match` names it. Bodies are hashed unless the handler set a cheaper
 * validator of its own (a streamed analysis). `private, no-cache` lets a browser keep the copy
 * but ask each time, since what a user may see can change with their membership.
 */
const hashed = etag()

/** What a 304 keeps of the 200 it stands for (RFC 9110 §15.4.5), plus the ids to quote in a report. */
const KEPT_ON_304 = ['cache-control', 'vary', 'x-request-id', 'traceresponse']

export const conditionalRead = createMiddleware<AppEnv>(async (c, next) => {
  let full: Response | undefined
  await hashed(c, async () => {
    await next()
    if (c.res.ok) c.res.headers.set('Cache-Control', 'private, no-cache')
    full = c.res
  })
  if (c.res.status === 304 && full) {
    for (const name of KEPT_ON_304) {
      const value = full.headers.get(name)
      if (value !== null) c.res.headers.set(name, value)
    }
  }
})
