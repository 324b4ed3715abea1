import type { Context } from 'hono'
import type { AppEnv } from '../app-env'
import { log } from '../observability/log'

/**
 * Counts 429 refusals for `loupe_rate_limited_total` without letting a flood write to D1 once per
 * refused request: each isolate keeps its tally in memory and adds it to `rate_limit_refusals` at
 * most every FLUSH_EVERY_MS, after the response. Like the limits themselves the count is
 * approximate: what an isolate tallied in its last seconds before it was evicted is lost.
 */

const FLUSH_EVERY_MS = 10_000
const pending = new Map<string, number>()
let lastFlush = 0

export function tallyRefusal(c: Context<AppEnv>, scope: string): void {
  pending.set(scope, (pending.get(scope) ?? 0) + 1)
  const d1 = c.var.d1
  // Refused before the request had its database handle: counted with the next one that has it.
  if (!d1) return
  const now = Date.now()
  if (now - lastFlush < FLUSH_EVERY_MS) return
  lastFlush = now
  const counts = [...pending]
  pending.clear()
  const day = new Date(now).toISOString().slice(0, 10)
  const upsert = d1.prepare('INSERT INTO rate_limit_refusals (day, scope, n) VALUES (?, ?, ?) ON CONFLICT (day, scope) DO UPDATE SET n = n + excluded.n')
  c.executionCtx.waitUntil(
    d1.batch(counts.map(([s, n]) => upsert.bind(day, s, n))).then(
      () => undefined,
      (err: unknown) => {
        // Kept for the next flush rather than dropped: D1 may be what the flood is straining.
        for (const [s, n] of counts) pending.set(s, (pending.get(s) ?? 0) + n)
        log.warn('rate-limit refusals not recorded', { error: String(err) })
      },
    ),
  )
}
