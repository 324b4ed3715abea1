/**
 * Checking a push delivery (docs/dispatch.md#the-delivery): Standard Webhooks
 * (https://www.standardwebhooks.com), HMAC-SHA256 over `id.timestamp.body` keyed with the base64
 * bytes after `whsec_`, on Web Crypto only.
 */
import { isRecord } from './errors'

/** A delivery's body: `analysis.created`, `job.runnable`, `*.canceled`, or a lifecycle event (`analysis.completed`, …). */
export interface WebhookEvent {
  type: string
  timestamp: string
  data: Record<string, unknown>
}

/** A delivery that did not come from Loupe, or came too late: answer 401 and do nothing. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError'
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>
export type WebhookBody = string | Uint8Array | ArrayBuffer

export interface VerifyOptions {
  /** How far a delivery's timestamp may be from now, either way (default 300 s): a captured delivery cannot be replayed later. */
  toleranceSeconds?: number
  /** For tests: the time now, in milliseconds. */
  now?: () => number
  /** Web Crypto; defaults to `globalThis.crypto`. */
  crypto?: Crypto
}

export type WebhookVerifier = (headers: WebhookHeaders, body: WebhookBody) => Promise<WebhookEvent>

const encoder = new TextEncoder()

/**
 * Verifies a delivery and resolves to its event. `secret` is the pipeline's `whsec_` secret, or
 * several while you rotate. Sign the raw body as received: a body parsed and serialized again no
 * longer matches. Throws `WebhookVerificationError`.
 */
export function verifyWebhook(secret: string | readonly string[], headers: WebhookHeaders, body: WebhookBody, options: VerifyOptions = {}): Promise<WebhookEvent> {
  return webhookVerifier(secret, options)(headers, body)
}

/** `verifyWebhook` with its keys imported once, for a receiver that checks many deliveries. */
export function webhookVerifier(secret: string | readonly string[], options: VerifyOptions = {}): WebhookVerifier {
  const subtle = (options.crypto ?? globalThis.crypto).subtle
  const secrets = typeof secret === 'string' ? [secret] : [...secret]
  if (!secrets.length) throw new TypeError('give the webhook secret (whsec_…)')
  const bytes = secrets.map(secretBytes) // a malformed secret fails here, not on the first delivery
  let keys: Promise<CryptoKey[]> | undefined
  const tolerance = options.toleranceSeconds ?? 300

  return async (headers, body) => {
    const id = header(headers, 'webhook-id')
    const timestamp = header(headers, 'webhook-timestamp')
    const signatures = header(headers, 'webhook-signature')
    if (!id || !timestamp || !signatures) throw new WebhookVerificationError('webhook-id, webhook-timestamp and webhook-signature are required')
    if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not Unix seconds')
    const now = Math.floor((options.now?.() ?? Date.now()) / 1000)
    if (Math.abs(now - Number(timestamp)) > tolerance) throw new WebhookVerificationError(`webhook-timestamp is more than ${tolerance} s from now`)

    const raw = typeof body === 'string' ? encoder.encode(body) : new Uint8Array(body)
    const prefix = encoder.encode(`${id}.${timestamp}.`)
    const signed = new Uint8Array(prefix.length + raw.length)
    signed.set(prefix)
    signed.set(raw, prefix.length)
    keys ??= Promise.all(bytes.map((b) => subtle.importKey('raw', b, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])))
    const candidates = signatures.split(' ').flatMap(v1Signature)
    let valid = false
    // subtle.verify compares in constant time; every pair is tried so timing says nothing about which matched.
    for (const key of await keys) for (const candidate of candidates) valid = (await subtle.verify('HMAC', key, candidate, signed)) || valid
    if (!valid) throw new WebhookVerificationError('no webhook-signature matches')

    const event: unknown = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(raw))
    if (!isRecord(event) || typeof event.type !== 'string' || !isRecord(event.data)) throw new TypeError('the delivery is not a webhook event')
    return event as unknown as WebhookEvent
  }
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
  return Array.isArray(value) ? value[0] : value
}

function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const decoded = fromBase64(secret.replace(/^whsec_/, ''))
  if (!decoded?.length) throw new TypeError('a webhook secret is whsec_ followed by base64')
  return decoded
}

/** `v1,<base64>` is the only scheme Loupe signs with; anything else in the header is skipped. */
function v1Signature(part: string): Uint8Array<ArrayBuffer>[] {
  const comma = part.indexOf(',')
  if (part.slice(0, comma) !== 'v1') return []
  const decoded = fromBase64(part.slice(comma + 1))
  return decoded ? [decoded] : []
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}
