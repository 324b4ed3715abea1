import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { auditInsert } from '../domain/audit'
import { AppError } from '../errors'
import { log } from '../observability/log'
import { assertJsonContentType, MAX_JSON_BYTES, parseJsonOnce, readBody } from '../http/json-body'
import { assertSignatureHeaders, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyCallback } from './hmac'

/** With ML_PIPELINE_REQUIRE_HMAC=false an unsigned body is trusted, so it gets the small limit. */
const MAX_UNSIGNED_BYTES = 4 * MAX_JSON_BYTES

/**
 * A signed pipeline callback, checked cheapest first: the content type, then the presence and
 * shape of the signature headers (an unsigned 40 MB body is refused before it is read), then the
 * bounded body, then the HMAC over exactly those bytes, and only then the JSON, parsed once.
 */
export const verifiedCallback = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    assertJsonContentType(c)
    const config = c.get('config')
    const headers = c.req.raw.headers
    const signed = headers.has(SIGNATURE_HEADER) || headers.has(TIMESTAMP_HEADER)
    if (!signed && !config.ML_PIPELINE_REQUIRE_HMAC) {
      log.warn('unsigned pipeline callback accepted', { path: c.req.path })
      parseJsonOnce(c, await readBody(c, Math.min(maxBytes, MAX_UNSIGNED_BYTES)))
      c.set('callback', { requestId: c.get('requestId'), nonce: headers.get(NONCE_HEADER) || undefined })
      return next()
    }
    try {
      assertSignatureHeaders(headers)
      const raw = await readBody(c, maxBytes)
      const verified = await verifyCallback(headers, raw, config.ML_CALLBACK_HMAC_SECRET, config.ML_HMAC_SKEW_SECONDS)
      parseJsonOnce(c, raw)
      c.set('callback', { requestId: c.get('requestId'), nonce: verified.nonce })
    } catch (err) {
      await auditFailure(c, err)
      throw err
    }
    await next()
  })

/** Failed signatures are worth an audit row each: a burst of them is an attack or a broken secret. */
export async function auditFailure(c: Context<AppEnv>, err: unknown) {
  if (!(err instanceof AppError) || err.status !== 401) return
  await auditInsert(c.get('db'), {
    actorType: 'pipeline',
    action: 'callback.rejected',
    targetType: 'analysis',
    targetId: c.req.param('id'),
    requestId: c.get('requestId'),
    details: { code: err.code, path: c.req.path, ip: c.req.header('CF-Connecting-IP') ?? null },
  })
}
