/**
 * Every error response from Loupe is `{"error": {"code", "message", "details"}}` with an
 * `X-Request-Id` header; `LoupeError` carries all four so a failure can be traced server-side.
 */

export interface LoupeErrorInit {
  /** The HTTP status, or `null` when no response arrived (`code` is then `network_error`). */
  status: number | null
  code: string
  message: string
  requestId?: string | undefined
  details?: unknown
  cause?: unknown
}

/** A request to Loupe failed. */
export class LoupeError extends Error {
  override name = 'LoupeError'
  readonly status: number | null
  /** The server's machine-readable code: `validation_error`, `signature_invalid`, `illegal_transition`, … */
  readonly code: string
  readonly requestId: string | undefined
  readonly details: unknown

  constructor(init: LoupeErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.status = init.status
    this.code = init.code
    this.requestId = init.requestId
    this.details = init.details ?? null
  }

  override toString(): string {
    const where = this.status === null ? 'no response' : `HTTP ${this.status}`
    const request = this.requestId ? `, request id ${this.requestId}` : ''
    return `${this.name}: ${this.code}: ${this.message} (${where}${request})`
  }
}

/** A run (an analysis or a job) was canceled: stop working on it. It is already final; do not call `fail()`. */
export class RunCanceled extends LoupeError {
  override name = 'RunCanceled'
}

/**
 * The analysis was canceled by a user (409 `analysis_canceled`): stop working on it. Any pipeline
 * call raises it once the analysis is canceled; do not call `fail()` afterwards, it is already final.
 */
export class AnalysisCanceled extends RunCanceled {
  override name = 'AnalysisCanceled'
}

/** The job was canceled by a user (409 `job_canceled`); like `AnalysisCanceled`, for jobs. */
export class JobCanceled extends RunCanceled {
  override name = 'JobCanceled'
}

/**
 * The reason a handler's signal aborts when its worker stops: the run was given back
 * (`client.release`) for another worker to take, so stop without finalizing it.
 */
export class RunReleased extends Error {
  override name = 'RunReleased'
}

/** Builds the error for a non-2xx response from the server's error envelope. */
export function errorFromResponse(status: number, text: string, headers: Headers): LoupeError {
  const requestId = headers.get('X-Request-Id') ?? undefined
  let code = `http_${status}`
  let message = `HTTP ${status}`
  let details: unknown = null
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    if (text.trim()) message = text.trim().slice(0, 500)
  }
  const envelope = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined
  if (envelope) {
    if (typeof envelope.code === 'string' && envelope.code) code = envelope.code
    if (typeof envelope.message === 'string' && envelope.message) message = envelope.message
    details = envelope.details ?? null
  }
  const init = { status, code, message, requestId, details }
  if (status === 409 && code === 'analysis_canceled') return new AnalysisCanceled(init)
  if (status === 409 && code === 'job_canceled') return new JobCanceled(init)
  return new LoupeError(init)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
