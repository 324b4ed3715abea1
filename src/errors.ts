import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ConfigError } from './config'

export type ErrorCode =
  | 'bad_request'
  | 'validation_error'
  | 'invalid_json'
  | 'unsupported_media_type'
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
  | 'artifact_not_found'
  | 'model_not_allowed'
  | 'rate_limited'
  | 'misconfigured'
  | 'internal_error'

/** The one error type the app throws; `onError` renders it as `{"error":{code,message,details}}`. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'AppError'
  }

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

export function renderError(err: unknown, c: Context): Response {
  const requestId = c.get('requestId' as never) as string | undefined
  if (err instanceof AppError) {
    return c.json(err.toJSON(), err.status)
  }
  if (err instanceof ConfigError) {
    console.error(JSON.stringify({ level: 'error', requestId, message: err.message }))
    return c.json({ error: { code: 'misconfigured', message: err.message, details: err.issues } }, 500)
  }
  // Hono's own HTTPExceptions (from body-limit, for instance) carry a status we keep.
  if (err && typeof err === 'object' && 'getResponse' in err && typeof err.getResponse === 'function') {
    const res = err.getResponse() as Response
    return c.json({ error: { code: res.status === 413 ? 'payload_too_large' : 'bad_request', message: res.statusText || 'Bad request', details: null } }, res.status as ContentfulStatusCode)
  }
  console.error(JSON.stringify({ level: 'error', requestId, message: String(err), stack: (err as Error)?.stack }))
  return c.json({ error: { code: 'internal_error', message: 'Internal server error', details: { request_id: requestId ?? null } } }, 500)
}
