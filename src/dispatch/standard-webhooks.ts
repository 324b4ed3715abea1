import { base64 } from '../pipeline/secrets'

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 keyed with the
 * base64 bytes after `whsec_`, over `id.timestamp.body`, sent as `webhook-signature: v1,<base64>`,
 * one space-separated signature per active secret so a receiver can rotate without a gap.
 */
const encoder = new TextEncoder()

function secretBytes(secret: string): Uint8Array {
  const raw = atob(secret.replace(/^whsec_/, ''))
  return Uint8Array.from(raw, (c) => c.charCodeAt(0))
}

export async function signature(secret: string, webhookId: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', secretBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${webhookId}.${timestamp}.${body}`))
  return `v1,${base64(new Uint8Array(mac))}`
}

/** The three headers of a delivery, signed with every secret given (current first). */
export async function webhookHeaders(secrets: readonly string[], webhookId: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signatures = await Promise.all(secrets.map((secret) => signature(secret, webhookId, timestamp, body)))
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
    'content-type': 'application/json',
  }
}
