/**
 * When to try a failed delivery again (docs/dispatch.md#retries): the schedule's delay for this
 * attempt with ±20 % jitter, so endpoints that failed together are not retried together, or the
 * endpoint's own `Retry-After` when it asks for longer. Null once the schedule is spent.
 */
export function retryDelaySeconds(attempt: number, schedule: readonly number[], retryAfterSeconds?: number, random = Math.random): number | null {
  const base = schedule[attempt - 1]
  if (base === undefined) return null
  const jittered = Math.round(base * (0.8 + 0.4 * random()))
  // A queue holds a message back at most 12 hours.
  return Math.min(43_200, Math.max(jittered, retryAfterSeconds ?? 0))
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000))
}
