import { createHmac, randomUUID } from 'node:crypto'

/** The guide's JavaScript recipe: HMAC-SHA256 over `timestamp + '.' + body`, sent as `sha256=<hex>`. */
export function signatureHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000).toString()) {
  const signature = createHmac('sha256', secret).update(`${timestamp}.`).update(Buffer.from(body, 'utf8')).digest('hex')
  return {
    'X-ML-Signature': `sha256=${signature}`,
    'X-ML-Timestamp': timestamp,
    'X-ML-Nonce': randomUUID(),
    'Content-Type': 'application/json',
  }
}
