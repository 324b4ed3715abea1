/**
 * HMAC signing of pipeline callbacks, as the ML Pipeline Integration Guide's JavaScript example:
 * the body is `JSON.stringify(payload)`, the message is `timestamp + '.' + body` (UTF-8), and the
 * signature is HMAC-SHA256 with the shared secret, sent as `X-ML-Signature: sha256=<hex>` beside
 * `X-ML-Timestamp`. The server verifies the raw bytes it receives, so the bytes signed are the
 * bytes sent. Web Crypto only, so this runs on Node 18+, Workers, Deno, Bun and browsers.
 */

export const SIGNATURE_HEADER = 'X-ML-Signature'
export const TIMESTAMP_HEADER = 'X-ML-Timestamp'
export const NONCE_HEADER = 'X-ML-Nonce'

export interface SignOptions {
  /** Unix seconds as a string; defaults to now. */
  timestamp?: string
  /** `true` (default) adds a fresh `X-ML-Nonce`; a string uses that nonce; `false` sends none. */
  nonce?: boolean | string
  /** A Web Crypto implementation; defaults to `globalThis.crypto` (on Node 18 pass `webcrypto`). */
  crypto?: Crypto
}

export interface SignedRequest {
  body: string
  headers: Record<string, string>
}

const encoder = new TextEncoder()
const keys = new WeakMap<Crypto, Map<string, Promise<CryptoKey>>>()

export function webCrypto(given?: Crypto): Crypto {
  const found = given ?? (globalThis as { crypto?: Crypto }).crypto
  if (!found?.subtle) {
    throw new Error('Web Crypto is not available: on Node 18 pass { crypto: (await import("node:crypto")).webcrypto }')
  }
  return found
}

// Import each secret once; HMAC keys are reusable and importKey is the slow part.
function importKey(cryptoImpl: Crypto, secret: string): Promise<CryptoKey> {
  let cache = keys.get(cryptoImpl)
  if (!cache) keys.set(cryptoImpl, (cache = new Map()))
  let key = cache.get(secret)
  if (!key) {
    key = cryptoImpl.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    cache.set(secret, key)
  }
  return key
}

export const currentTimestamp = (): string => Math.floor(Date.now() / 1000).toString()

/** The guide's serialization: `JSON.stringify(payload)`, no whitespace. */
export const serializeBody = (payload: unknown): string => JSON.stringify(payload)

/** `sha256=` + hex HMAC-SHA256 of `timestamp + '.' + body`, keyed with `secret`. */
export async function computeSignature(secret: string, timestamp: string, body: string | Uint8Array, cryptoImpl?: Crypto): Promise<string> {
  const c = webCrypto(cryptoImpl)
  const bodyBytes = typeof body === 'string' ? encoder.encode(body) : body
  const prefix = encoder.encode(`${timestamp}.`)
  const message = new Uint8Array(prefix.length + bodyBytes.length)
  message.set(prefix)
  message.set(bodyBytes, prefix.length)
  const mac = await c.subtle.sign('HMAC', await importKey(c, secret), message)
  return 'sha256=' + Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * The signature headers for a body that is already serialized (sent exactly as given):
 * `X-ML-Signature`, `X-ML-Timestamp`, `X-ML-Nonce` (unless `nonce: false`) and `Content-Type`.
 */
export async function signatureHeaders(secret: string, body: string | Uint8Array, options: SignOptions = {}): Promise<Record<string, string>> {
  const timestamp = options.timestamp ?? currentTimestamp()
  const headers: Record<string, string> = {
    [SIGNATURE_HEADER]: await computeSignature(secret, timestamp, body, options.crypto),
    [TIMESTAMP_HEADER]: timestamp,
  }
  const nonce = options.nonce ?? true
  if (nonce === true) headers[NONCE_HEADER] = webCrypto(options.crypto).randomUUID()
  else if (typeof nonce === 'string' && nonce) headers[NONCE_HEADER] = nonce
  headers['Content-Type'] = 'application/json'
  return headers
}

/** Serializes `payload` and signs it; send `body` and `headers` exactly as returned. */
export async function signRequest(payload: unknown, secret: string, options: SignOptions = {}): Promise<SignedRequest> {
  const body = serializeBody(payload)
  return { body, headers: await signatureHeaders(secret, body, options) }
}
