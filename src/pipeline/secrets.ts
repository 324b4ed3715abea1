import { ConfigError, type Config } from '../config'
import { base64url } from '../auth/tokens'
import { sha256Hex } from '../digest'
import { PIPELINE_SECRET_PREFIX, RUN_CREDENTIAL_PREFIX, type SecretPurpose } from '../schemas/pipelines'

/**
 * Pipeline secrets and run credentials are derived, never stored: HKDF-SHA256 over the Worker
 * secret PIPELINE_SECRETS_KEY with a random salt kept in D1 (or the run's id), so a copy of D1
 * alone reveals no secret, and the Worker can recompute each one to verify a signature.
 */
const encoder = new TextEncoder()
const rootKeys = new Map<string, Promise<CryptoKey>>()

function importRoot(root: string): Promise<CryptoKey> {
  let key = rootKeys.get(root)
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(root), 'HKDF', false, ['deriveBits'])
    rootKeys.set(root, key)
  }
  return key
}

async function derive(root: string, salt: string, info: string): Promise<Uint8Array> {
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(salt), info: encoder.encode(info) },
    await importRoot(root),
    256,
  )
  return new Uint8Array(bits)
}

export function base64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

/** The root keys, current first; without one no pipeline secret can be issued or checked. */
export function rootKeysOf(config: Pick<Config, 'PIPELINE_SECRETS_KEY'>): readonly string[] {
  if (!config.PIPELINE_SECRETS_KEY.length) {
    throw new ConfigError([{ variable: 'PIPELINE_SECRETS_KEY', message: 'must be set to register pipelines: pipeline secrets and run credentials are derived from it' }])
  }
  return config.PIPELINE_SECRETS_KEY
}

/** Names a root key in D1 without revealing it. */
export const rootKeyId = async (root: string) => (await sha256Hex(`loupe root key id\0${root}`)).slice(0, 16)

export const newSalt = () => base64url(crypto.getRandomValues(new Uint8Array(16)))

/**
 * A pipeline's secret as the pipeline holds it. Callback secrets are used as text, like
 * ML_CALLBACK_HMAC_SECRET; webhook secrets follow Standard Webhooks: `whsec_` + base64 of the key bytes.
 */
export async function pipelineSecret(root: string, purpose: SecretPurpose, salt: string): Promise<string> {
  const bytes = await derive(root, salt, `loupe pipeline ${purpose} secret v1`)
  return purpose === 'webhook' ? `whsec_${base64(bytes)}` : `${PIPELINE_SECRET_PREFIX}${base64url(bytes)}`
}

/** The callback secret of one run: it signs callbacks for that run and no other. */
export async function runCredential(root: string, kind: string, runId: string): Promise<string> {
  return RUN_CREDENTIAL_PREFIX + base64url(await derive(root, `${kind}/${runId}`, 'loupe run credential v1'))
}
