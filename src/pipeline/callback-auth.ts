import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { auditInsert } from '../domain/audit'
import { AppError } from '../errors'
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyCallback } from './hmac'

export type PipelineEnv = AppEnv

/**
 * HMAC for pipeline callbacks, over the raw bytes `jsonBody` kept. With ML_PIPELINE_REQUIRE_HMAC=false
 * an unsigned call passes (with a warning); a signed one is still checked.
 */
export const callbackAuth = createMiddleware<PipelineEnv>(async (c, next) => {
  const config = c.get('config')
  const signed = c.req.header(SIGNATURE_HEADER) !== undefined || c.req.header(TIMESTAMP_HEADER) !== undefined
  if (!signed && !config.ML_PIPELINE_REQUIRE_HMAC) {
    console.warn(JSON.stringify({ level: 'warn', requestId: c.get('requestId'), message: 'unsigned pipeline callback accepted', path: c.req.path }))
    c.set('nonce', c.req.header(NONCE_HEADER) || undefined)
    return next()
  }
  try {
    const verified = await verifyCallback(c.req.raw.headers, c.get('rawBody'), config.ML_CALLBACK_HMAC_SECRET, config.ML_HMAC_SKEW_SECONDS)
    c.set('nonce', verified.nonce)
  } catch (err) {
    if (err instanceof AppError && err.status === 401) await auditFailure(c, err)
    throw err
  }
  await next()
})

/** Failed signatures are worth an audit row each: a burst of them is an attack or a broken secret. */
export async function auditFailure(c: Parameters<Parameters<typeof createMiddleware<PipelineEnv>>[0]>[0], err: unknown) {
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
