import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'

/** Hex digests, for tokens, content hashes, HMAC signatures and stored objects. */
export const toHex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex')

/**
 * SHA-256 of text, synchronously. For hashing thousands of small strings in one request (bulk
 * annotations), where a promise and a copy per item of `crypto.subtle.digest` cost more than the
 * hashing itself (see docs/PERFORMANCE.md, "Bulk post").
 */
export const sha256HexSync = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

export async function sha256Hex(input: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  return toHex(await crypto.subtle.digest('SHA-256', bytes))
}

/** SHA-256 of a stream without buffering it: Workers' DigestStream hashes as the bytes pass. */
export async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream('SHA-256')
  await stream.pipeTo(digest)
  return toHex(await digest.digest)
}
