import { toHex } from '../digest'
import { AppError } from '../errors'

export const SIGNATURE_HEADER = 'X-ML-Signature'
export const TIMESTAMP_HEADER = 'X-ML-Timestamp'
export const NONCE_HEADER = 'X-ML-Nonce'

export interface VerifiedCallback {
  timestamp: number
  nonce?: string
}

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function importKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** `timestamp + '.' + body`, byte for byte as received: never a re-serialized body. */
export function signedMessage(timestamp: string, body: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${timestamp}.`)
  const message = new Uint8Array(prefix.length + body.length)
  message.set(prefix)
  message.set(body, prefix.length)
  return message
}

export async function signCallback(secret: string, timestamp: string, body: Uint8Array): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await importKey(secret), signedMessage(timestamp, body))
  return 'sha256=' + toHex(mac)
}

/** `X-ML-Signature: sha256=<hex>` over `X-ML-Timestamp + '.' + raw body`, within ±skew seconds in both directions. */
const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/

/** The cheap half of verification, done before the body is read. */
export function assertSignatureHeaders(headers: Headers): void {
  const signature = headers.get(SIGNATURE_HEADER)
  const timestamp = headers.get(TIMESTAMP_HEADER)
  if (!signature || !timestamp) {
    throw new AppError(401, 'signature_missing', `${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers are required`)
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new AppError(401, 'signature_invalid', `${TIMESTAMP_HEADER} must be an integer number of seconds since the epoch`)
  }
  if (!SIGNATURE_FORMAT.test(signature.trim())) throw new AppError(401, 'signature_invalid', `${SIGNATURE_HEADER} must look like sha256=<64 hex digits>`)
}

/** A secret a callback may be signed with, and what it stands for. */
export interface SigningCandidate {
  /** Names the secret, never reveals it: nonces are spent per `id`. */
  id: string
  /** `run`: the run's own credential; `pipeline`: a registered pipeline's secret; `global`: ML_CALLBACK_HMAC_SECRET. */
  scope: 'run' | 'pipeline' | 'global'
  secret: string
}

/**
 * Verifies the callback scheme of docs/callbacks.md against the candidates in order, stopping at
 * the first that matches (which one matched is no secret to someone holding a valid signature),
 * then checks the timestamp. Returns the candidate that signed.
 */
export async function verifySigner<C extends SigningCandidate>(
  headers: Headers,
  body: Uint8Array,
  candidates: readonly C[],
  skewSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<VerifiedCallback & { signer: C }> {
  assertSignatureHeaders(headers)
  const timestamp = headers.get(TIMESTAMP_HEADER)!
  const match = SIGNATURE_FORMAT.exec(headers.get(SIGNATURE_HEADER)!.trim())!
  if (!candidates.length) throw new AppError(401, 'signature_invalid', 'No callback secret is configured on the server')
  const mac = hexToBytes(match[1]!)
  const message = signedMessage(timestamp, body)
  let signer: C | undefined
  for (const candidate of candidates) {
    // crypto.subtle.verify compares in constant time.
    if (await crypto.subtle.verify('HMAC', await importKey(candidate.secret), mac, message)) {
      signer = candidate
      break
    }
  }
  if (!signer) throw new AppError(401, 'signature_invalid', 'HMAC signature does not match the request body')
  const ts = Number(timestamp)
  if (Math.abs(nowSeconds - ts) > skewSeconds) {
    throw new AppError(401, 'timestamp_skew', `${TIMESTAMP_HEADER} is more than ${skewSeconds}s from the server's clock`, {
      server_time: nowSeconds,
    })
  }
  return { timestamp: ts, nonce: nonceOf(headers), signer }
}

export function nonceOf(headers: Headers): string | undefined {
  const nonce = headers.get(NONCE_HEADER)?.trim() || undefined
  if (nonce && nonce.length > 200) throw new AppError(400, 'bad_request', `${NONCE_HEADER} must be at most 200 characters`)
  return nonce
}
