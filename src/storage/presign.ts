import { AwsV4Signer } from 'aws4fetch'
import type { Config } from '../config'
import { AppError } from '../errors'
import { contentDisposition } from './download-headers'

/** The access key id the Worker signs its own URLs with when R2's S3 API is not configured. */
export const EMBEDDED_ACCESS_KEY_ID = 'loupe-embedded'
export const EMBEDDED_PREFIX = '/s3/'

export interface PresignedUrl {
  url: string
  method: 'PUT' | 'GET'
  headers: Record<string, string>
  expiresAt: string
}

interface Signing {
  base: string
  accessKeyId: string
  secretAccessKey: string
  region: string
}

/**
 * Direct-to-R2 when S3 credentials are configured; otherwise URLs point at this Worker's `/s3/`
 * route, which checks the same SigV4 query signature and streams into the R2 binding.
 */
function signingFor(config: Config, origin: string): Signing {
  if (config.S3_ENDPOINT) {
    return {
      base: `${config.S3_ENDPOINT}/${config.S3_BUCKET}/`,
      accessKeyId: config.S3_ACCESS_KEY_ID!,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
      region: config.S3_REGION,
    }
  }
  return { base: `${config.PUBLIC_URL ?? origin}${EMBEDDED_PREFIX}`, ...embeddedCredentials(config) }
}

function embeddedCredentials(config: Config) {
  if (!config.UPLOAD_SIGNING_SECRET) {
    throw new AppError(500, 'misconfigured', 'UPLOAD_SIGNING_SECRET must be set when S3_ENDPOINT is not configured')
  }
  return { accessKeyId: EMBEDDED_ACCESS_KEY_ID, secretAccessKey: config.UPLOAD_SIGNING_SECRET, region: 'auto' }
}

const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/')

export async function presign(
  config: Config,
  origin: string,
  key: string,
  options: {
    method: 'PUT' | 'GET'
    contentType?: string
    expiresIn: number
    /** Sign as of this instant (ms) instead of now, so repeated requests can get the very same URL. */
    signedAt?: number
    /** For a GET of something a pipeline uploaded, with the type it was stored with when known. */
    servedAs?: { contentType?: string }
  },
): Promise<PresignedUrl> {
  const signedAt = options.signedAt ?? Date.now()
  const s = signingFor(config, origin)
  const url = new URL(s.base + encodeKey(key))
  url.searchParams.set('X-Amz-Expires', String(options.expiresIn))
  // The /s3/ route sets the download headers itself; R2 sets only what the signed URL asks for, and
  // of those headers it can set just Content-Disposition, so a non-image is saved rather than shown.
  if (config.S3_ENDPOINT && options.servedAs !== undefined) {
    url.searchParams.set('response-content-disposition', contentDisposition(key, options.servedAs.contentType))
  }
  // Binding the content type into the signature stops an upload URL being reused for another type.
  const headers: Record<string, string> = options.contentType ? { 'content-type': options.contentType } : {}
  const signer = new AwsV4Signer({
    url: url.toString(),
    method: options.method,
    headers,
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    region: s.region,
    service: 's3',
    signQuery: true,
    allHeaders: true,
    datetime: new Date(signedAt).toISOString().replace(/[:-]|\.\d{3}/g, ''),
  })
  const signed = await signer.sign()
  return {
    url: signed.url.toString(),
    method: options.method,
    headers: options.contentType ? { 'Content-Type': options.contentType } : {},
    expiresAt: new Date(Math.floor(signedAt / 1000) * 1000 + options.expiresIn * 1000).toISOString(),
  }
}

const DOWNLOAD_TTL_SECONDS = 900

/** A short-lived download link as the API answers it: `download_url` and `expires_at`. */
export async function downloadUrl(
  config: Config,
  origin: string,
  key: string,
  options: { expiresIn?: number; servedAs?: { contentType?: string } } = {},
) {
  const signed = await presign(config, origin, key, { method: 'GET', expiresIn: options.expiresIn ?? DOWNLOAD_TTL_SECONDS, servedAs: options.servedAs })
  return { download_url: signed.url, expires_at: signed.expiresAt }
}

const SIGNER_PARAMS = ['X-Amz-Signature', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Date']

/**
 * The object key a gateway path names: every segment percent-decoded exactly once, with `+` a
 * literal plus as RFC 3986 has it. Null for a path that is not one canonical key (a bad escape, an
 * encoded separator, an empty or dot segment), so no second spelling of a key can exist.
 */
function keyOf(pathname: string): string | null {
  if (!pathname.startsWith(EMBEDDED_PREFIX)) return null
  let segments: string[]
  try {
    segments = pathname.slice(EMBEDDED_PREFIX.length).split('/').map(decodeURIComponent)
  } catch {
    return null
  }
  const bad = (s: string) => s === '' || s === '.' || s === '..' || /[/\\\u0000-\u001f\u007f]/.test(s)
  return segments.some(bad) ? null : segments.join('/')
}

/**
 * Checks an embedded presigned URL: signature, credential, method, expiry. Returns the object key.
 * The signature is recomputed over the key as decoded here, re-encoded the way `presign` encodes
 * it, so the key that is written is the key that was signed, byte for byte.
 */
export async function verifyPresigned(config: Config, request: Request, nowMs = Date.now()): Promise<string> {
  const denied = (message: string) => new AppError(403, 'forbidden', message)
  const url = new URL(request.url)
  const q = url.searchParams
  const signature = q.get('X-Amz-Signature')
  const date = q.get('X-Amz-Date')
  const expires = q.get('X-Amz-Expires')
  const credential = q.get('X-Amz-Credential')
  const signedHeaders = q.get('X-Amz-SignedHeaders')
  if (!signature || !date || !expires || !credential || !signedHeaders || q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
    throw denied('Missing or malformed presigned URL parameters')
  }
  const creds = embeddedCredentials(config)
  if (credential.split('/')[0] !== creds.accessKeyId) throw denied('Unknown credential')
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date)
  if (!m || !/^\d+$/.test(expires)) throw denied('Malformed X-Amz-Date or X-Amz-Expires')
  const signedAt = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  if (nowMs > signedAt + Number(expires) * 1000) throw denied('Presigned URL has expired')
  if (signedAt > nowMs + 5 * 60_000) throw denied('Presigned URL is dated in the future')
  const key = keyOf(url.pathname)
  if (key === null) throw denied('Malformed object key')

  const unsigned = new URL(url)
  unsigned.pathname = EMBEDDED_PREFIX + encodeKey(key)
  for (const p of SIGNER_PARAMS) unsigned.searchParams.delete(p)
  const headers: Record<string, string> = {}
  for (const name of signedHeaders.split(';')) {
    if (name !== 'host') headers[name] = request.headers.get(name) ?? ''
  }
  const expected = await new AwsV4Signer({
    url: unsigned.toString(),
    method: request.method,
    headers,
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    region: credential.split('/')[2] ?? creds.region,
    service: 's3',
    signQuery: true,
    allHeaders: true,
    datetime: date,
  }).signature()
  const a = new TextEncoder().encode(expected)
  const b = new TextEncoder().encode(signature)
  if (a.byteLength !== b.byteLength || !crypto.subtle.timingSafeEqual(a, b)) throw denied('Signature does not match')
  return key
}
