/**
 * HTTP with the SDK's retry policy, on `fetch` only.
 *
 * Retries network errors (and timeouts), 429 and 5xx with exponential backoff and full jitter
 * (`delay = random() * min(backoffMaxMs, backoffBaseMs * 2 ** attempt)`), or exactly the server's
 * `Retry-After` (seconds or an HTTP date) when it sends one. Never any other 4xx. `build` runs again
 * for every attempt, so signed requests get a fresh timestamp and nonce each time.
 */
import { errorFromResponse, LoupeError } from './errors'

/** `all`: network errors, 429 and 5xx (idempotent requests). `rate_limit`: 429 only, where the server did nothing. */
export type RetryMode = 'all' | 'rate_limit'

export interface Attempt {
  body?: string | Uint8Array | Blob | undefined
  headers: Record<string, string>
}

export interface TransportOptions {
  fetch?: typeof fetch
  /** Retries after the first attempt, for network errors, 429 and 5xx (default 5). */
  maxRetries?: number
  /** Per attempt, including reading the response (default 30 000). */
  timeoutMs?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** A `Retry-After` longer than this raises instead of waiting (default 300 000). */
  maxRetryAfterMs?: number
  // For tests: what the SDK waits with and jitters with.
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  userAgent?: string
  logger?: Logger
}

export interface Logger {
  debug(message: string): void
  warn(message: string): void
}

export interface RawResponse {
  status: number
  headers: Headers
  text: string
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Milliseconds to wait from a `Retry-After` value (delta-seconds or HTTP date), or undefined. */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  const text = value?.trim()
  if (!text) return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  if (!/[a-z]/i.test(text)) return undefined // "-1" and friends: Date.parse would read a year
  const when = Date.parse(text)
  if (Number.isNaN(when)) return undefined
  return Math.max(0, when - nowMs)
}

export const isRetryableStatus = (status: number): boolean => status === 429 || (status >= 500 && status <= 599)

export class Transport {
  readonly maxRetries: number
  readonly timeoutMs: number
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  readonly maxRetryAfterMs: number
  sleep: (ms: number) => Promise<void>
  random: () => number
  private readonly fetchImpl: typeof fetch
  private readonly userAgent: string | undefined
  private readonly logger: Logger | undefined

  constructor(options: TransportOptions = {}) {
    const maxRetries = options.maxRetries ?? 5
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError('maxRetries must be an integer >= 0')
    this.maxRetries = maxRetries
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.backoffBaseMs = options.backoffBaseMs ?? 500
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000
    this.sleep = options.sleep ?? defaultSleep
    this.random = options.random ?? Math.random
    // Bind: some runtimes refuse a fetch called with another `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init))
    this.userAgent = options.userAgent
    this.logger = options.logger
  }

  /** Full jitter: uniform in [0, min(backoffMaxMs, backoffBaseMs * 2 ** attempt)). */
  backoff(attempt: number): number {
    return this.random() * Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(attempt, 60))
  }

  /** `signal` abandons the request (a worker stopping in the middle of a long-poll): it rejects with code `aborted`, and is not retried. */
  async request(method: string, url: string, build: () => Attempt | Promise<Attempt>, retry: RetryMode = 'all', signal?: AbortSignal): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      const { body, headers } = await build()
      let delay: number
      let response: RawResponse
      try {
        response = await this.send(method, url, body, headers, signal)
      } catch (cause) {
        const reason = describe(cause)
        if (signal?.aborted) throw new LoupeError({ status: null, code: 'aborted', message: `${method} ${url} aborted`, cause })
        if (retry !== 'all' || attempt >= this.maxRetries) {
          throw new LoupeError({ status: null, code: 'network_error', message: `${method} ${url} failed: ${reason}`, cause })
        }
        delay = this.backoff(attempt)
        this.logger?.debug(`loupe: ${method} ${url} network error (${reason}); retry ${attempt + 1} in ${(delay / 1000).toFixed(2)}s`)
        await this.sleep(delay)
        continue
      }
      if (response.status >= 200 && response.status < 300) return response
      const error = errorFromResponse(response.status, response.text, response.headers)
      const retryable = retry === 'all' ? isRetryableStatus(response.status) : response.status === 429
      if (!retryable || attempt >= this.maxRetries) throw error
      const retryAfter = parseRetryAfter(response.headers.get('Retry-After'))
      if (retryAfter !== undefined) {
        // Waiting less than the server asked would only be refused again.
        if (retryAfter > this.maxRetryAfterMs) throw error
        delay = retryAfter
      } else {
        delay = this.backoff(attempt)
      }
      this.logger?.debug(`loupe: ${method} ${url} answered ${response.status} ${error.code}; retry ${attempt + 1} in ${(delay / 1000).toFixed(2)}s`)
      await this.sleep(delay)
    }
  }

  private async send(method: string, url: string, body: Attempt['body'], headers: Record<string, string>, signal?: AbortSignal): Promise<RawResponse> {
    const all: Record<string, string> = { Accept: 'application/json', ...headers }
    if (this.userAgent) all['User-Agent'] = this.userAgent
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs)
    // AbortSignal.any would do, but Node 18 lacks it.
    const abort = () => controller.abort(signal?.reason)
    if (signal?.aborted) abort()
    signal?.addEventListener('abort', abort, { once: true })
    try {
      const res = await this.fetchImpl(url, {
        method,
        headers: all,
        body: body as BodyInit | undefined,
        // A signed request must not be replayed elsewhere behind our back: 3xx surfaces as an error.
        redirect: 'manual',
        signal: controller.signal,
      })
      // The timeout covers reading the body too.
      return { status: res.status, headers: res.headers, text: await res.text() }
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', abort)
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return `${error.message}${cause}`
}
