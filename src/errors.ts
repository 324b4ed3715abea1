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

/** Durable Object RPC loses the class of thrown errors, so AppErrors cross as tagged plain messages. */
const RPC_TAG = 'loupe-app-error:'

export function encodeForRpc(err: AppError): Error {
  return new Error(RPC_TAG + JSON.stringify({ status: err.status, code: err.code, message: err.message, details: err.details }))
}

export function decodeFromRpc(err: unknown): unknown {
  if (err instanceof Error && err.message.startsWith(RPC_TAG)) {
    const { status, code, message, details } = JSON.parse(err.message.slice(RPC_TAG.length))
    return new AppError(status, code, message, details)
  }
  return err
}

export function renderError(err: unknown, c: Context): Response {
  const requestId = c.get('requestId' as never) as string | undefined
  const error = decodeFromRpc(err)
  if (error instanceof AppError) {
    return c.json(error.toJSON(), error.status)
  }
  if (error instanceof ConfigError) {
    console.error(JSON.stringify({ level: 'error', requestId, message: error.message }))
    return c.json({ error: { code: 'misconfigured', message: error.message, details: error.issues } }, 500)
  }
  // Hono's own HTTPExceptions (from body-limit, for instance) carry a status we keep.
  if (error && typeof error === 'object' && 'getResponse' in error && typeof error.getResponse === 'function') {
    const res = error.getResponse() as Response
    return c.json({ error: { code: res.status === 413 ? 'payload_too_large' : 'bad_request', message: res.statusText || 'Bad request', details: null } }, res.status as ContentfulStatusCode)
  }
  console.error(JSON.stringify({ level: 'error', requestId, message: String(error), stack: (error as Error)?.stack }))
  return c.json({ error: { code: 'internal_error', message: 'Internal server error', details: { request_id: requestId ?? null } } }, 500)
}
