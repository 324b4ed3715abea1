import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { AppError } from '../errors'

/**
 * Reads a JSON body once, as raw bytes: HMAC needs the exact bytes, and the validators after this
 * read Hono's cached copy. Wrong type is 415, too big is 413, unparsable is 400: never a 500.
 */
export const jsonBody = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header('Content-Type') ?? ''
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
      throw new AppError(415, 'unsupported_media_type', 'Content-Type must be application/json', { received: type || null })
    }
    const declared = Number(c.req.header('Content-Length') ?? NaN)
    if (declared > maxBytes) throw tooLarge(maxBytes)
    const raw = new Uint8Array(await c.req.arrayBuffer())
    if (raw.byteLength > maxBytes) throw tooLarge(maxBytes)
    try {
      JSON.parse(new TextDecoder().decode(raw))
    } catch (err) {
      throw new AppError(400, 'invalid_json', `Request body is not valid JSON: ${(err as Error).message}`)
    }
    c.set('rawBody', raw)
    await next()
  })

const tooLarge = (max: number) => new AppError(413, 'payload_too_large', `Request body exceeds ${max} bytes`, { max_bytes: max })

export const MAX_JSON_BYTES = 1024 * 1024
export const MAX_BULK_JSON_BYTES = 50 * 1024 * 1024
