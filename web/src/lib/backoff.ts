export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 }

/**
 * Exponential backoff with "equal jitter": at least half the exponential step, so a flapping server
 * is not hammered, plus a random half, so a room full of viewers does not reconnect in lockstep.
 */
export function reconnectDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt))
  return Math.round(step / 2 + (random() * step) / 2)
}
