import type { TypedResponse } from 'hono'
import type { JSONParsed } from 'hono/utils/types'

type StreamedJson<T> = Response & TypedResponse<JSONParsed<T>, 200, 'json'>

/**
 * A JSON body written page by page, typed as the value it adds up to: zod-openapi types handlers
 * by whole values, and the stream is that value sent in parts so it never sits in memory at once.
 */
export const streamedJson = <T>(body: ReadableStream<Uint8Array>): StreamedJson<T> =>
  new Response(body, { headers: { 'Content-Type': 'application/json; charset=utf-8' } }) as StreamedJson<T>
