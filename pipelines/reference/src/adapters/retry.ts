import { setTimeout as sleep } from 'node:timers/promises'

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number
  /** The first wait; each later one doubles, with full jitter. */
  baseDelayMs: number
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void
  /** Whether another attempt could help; by default, anything but a `PermanentError`. */
  retryable?: (error: unknown) => boolean
}

/** An error that another attempt would only repeat (bad input, a 4xx, malformed output). */
export class PermanentError extends Error {
  override name = 'PermanentError'
}

/** Exponential backoff for a model backend that may be restarting or busy. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      const retryable = options.retryable ?? ((e) => !(e instanceof PermanentError))
      if (attempt >= options.attempts || !retryable(err)) throw err
      const delayMs = Math.random() * options.baseDelayMs * 2 ** (attempt - 1)
      options.onRetry?.(attempt, err, delayMs)
      await sleep(delayMs)
    }
  }
}
