import { DurableObject } from 'cloudflare:workers'

export interface TakeResult {
  ok: boolean
  /** How long until the next request would pass, when this one did not. */
  retryAfterMs: number
  remaining: number
}

const TAT_KEY = 'tat'

/**
 * An exact limiter for one key (GCRA: a token bucket of `limit` per `periodMs`, kept as one
 * "theoretical arrival time"). One object per key, so each key's count is exact wherever its
 * requests come from, and one key's burst never touches another key's bucket.
 */
export class RateLimiterObject extends DurableObject<Env> {
  private tat: number

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.tat = ctx.storage.kv.get<number>(TAT_KEY) ?? 0
  }

  take(limit: number, periodMs: number, now = Date.now()): TakeResult {
    const interval = periodMs / limit
    const start = Math.max(this.tat, now)
    const next = start + interval
    // The bucket holds at most one period's worth: past that the request waits.
    const excess = next - now - periodMs
    if (excess > 0) return { ok: false, retryAfterMs: Math.ceil(excess), remaining: 0 }
    this.tat = next
    this.ctx.storage.kv.put(TAT_KEY, next)
    return { ok: true, retryAfterMs: 0, remaining: Math.floor((periodMs - (next - now)) / interval) }
  }
}

export const rateLimiterStub = (env: Env, key: string) => env.RATE_LIMITER.getByName(key)
