import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ConfigError } from './config'
import { log } from './observability/log'

export type ErrorCode =
  | 'bad_request'
  | 'validation_error'
  | 'invalid_json'
  | 'json_too_deep'
  | 'unsupported_media_type'
  | 'upgrade_required'
  | 'payload_too_large'
  | 'unauthorized'
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_skew'
  | 'nonce_reused'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'illegal_transition'
  | 'analysis_limit_reached'
  | 'analysis_finalized'
  | 'analysis_canceled'
  | 'job_finalized'
  | 'job_canceled'
  | 'job_waiting'
  | 'artifact_not_found'
  | 'model_not_allowed'
  | 'evaluation_too_large'
  | 'comparison_too_large'
  | 'rate_limited'
  | 'pending_limit_reached'
  | 'pipeline_disabled'
  | 'model_not_served'
  | 'nonce_required'
  | 'lease_lost'
  | 'already_claimed'
  | 'pull_disabled'
  | 'misconfigured'
  | 'internal_error'

/** The one error type the app throws; `onError` renders it as `{"error":{code,message,details}}`. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options)
    this.name = 'AppError'
    this.headers = options?.headers
  }

  /** Response headers the error carries, such as `Retry-After` on a 429. */
  readonly headers: Record<string, string> | undefined

  toJSON() {
    return { error: { code: this.code, message: this.message, details: this.details ?? null } }
  }
}

export const notFound = (what = 'Resource') => new AppError(404, 'not_found', `${what} not found`)
export const forbidden = (message = 'You do not have permission to do this') => new AppError(403, 'forbidden', message)
export const unauthorized = (message = 'Authentication required') => new AppError(401, 'unauthorized', message)

/** What the analysis object's RPC methods return: a value, or the AppError it would have thrown. */
export type RpcResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: ContentfulStatusCode; error: { code: ErrorCode; message: string; details: unknown } }

export async function unwrapRpc<T>(call: Promise<RpcResult<T>>): Promise<T> {
  const result = await call
  if (result.ok) return result.value
  throw new AppError(result.status, result.error.code, result.error.message, result.error.details ?? undefined)
}

/** Hono's own HTTPExceptions (body limits, the media-type gate) keep their status and get our code. */
const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
}

/** The one place errors become responses; every envelope names the request, so support can find its logs. */
// Typed with any environment, not AppEnv, so modules that throw AppError stay free of Worker types.
export function renderError(err: unknown, c: Context): Response {
  // Unset only when the failure came before the request-id middleware ran.
  const requestId = (c.get('requestId') as string | undefined) ?? null
  const envelope = (status: ContentfulStatusCode, error: { code: string; message: string; details: unknown }) =>
    c.json({ error: { ...error, request_id: requestId } }, status)
  if (err instanceof AppError) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value)
    return envelope(err.status, err.toJSON().error)
  }
  if (err instanceof ConfigError) {
    log.error(err.message, { issues: err.issues })
    return envelope(500, { code: 'misconfigured', message: err.message, details: err.issues })
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode
    return envelope(status, { code: HTTP_CODES[status] ?? 'bad_request', message: err.message || 'Bad request', details: null })
  }
  log.error(String(err), { stack: (err as Error)?.stack })
  return envelope(500, { code: 'internal_error', message: 'Internal server error', details: null })
}
