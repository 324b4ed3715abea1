import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { AppError } from '../errors'
import { checkJsonShape } from './json-shape'

/**
 * The one Content-Type rule for JSON bodies. It is exactly the rule of zod-openapi's media-type
 * gate, so a body this reader accepts is never refused later, after a signature was checked and a
 * nonce spent.
 */
const JSON_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i

export const MAX_JSON_BYTES = 1024 * 1024
export const MAX_BULK_JSON_BYTES = 50 * 1024 * 1024

export function assertJsonContentType(c: Context<AppEnv>): void {
  const type = c.req.header('Content-Type') ?? ''
  if (!JSON_CONTENT_TYPE.test(type)) {
    throw new AppError(415, 'unsupported_media_type', 'Content-Type must be application/json', { received: type || null })
  }
}

/** Reads at most `maxBytes`, refusing early on a declared length and stopping the stream past it. */
export async function readBody(c: Context<AppEnv>, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('Content-Length') ?? NaN)
  if (declared > maxBytes) throw tooLarge(maxBytes)
  const body = c.req.raw.body
  if (!body) return new Uint8Array()
  const parts: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    parts.push(value)
  }
  const raw = new Uint8Array(size)
  let at = 0
  for (const part of parts) (raw.set(part, at), (at += part.byteLength))
  return raw
}

/**
 * Parses the body once and hands the value to the validators through Hono's body cache, so
 * zod-openapi's `c.req.json()` does not parse the same bytes a second time.
 */
export function parseJsonOnce(c: Context<AppEnv>, raw: Uint8Array): unknown {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(raw))
  } catch (err) {
    throw new AppError(400, 'invalid_json', `Request body is not valid JSON: ${(err as Error).message}`)
  }
  checkJsonShape(value)
  c.set('rawBody', raw)
  c.req.bodyCache.json = Promise.resolve(value)
  return value
}

/** A JSON body for user routes: the type checked first, the size bounded, parsed once. */
export const jsonBody = (maxBytes: number) =>
  createMiddleware<AppEnv>(async (c, next) => {
    assertJsonContentType(c)
    parseJsonOnce(c, await readBody(c, maxBytes))
    await next()
  })

export const tooLarge = (max: number) => new AppError(413, 'payload_too_large', `Request body exceeds ${max} bytes`, { max_bytes: max })
