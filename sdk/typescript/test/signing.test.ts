import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { computeSignature, serializeBody, signatureHeaders, signRequest } from '../src'

/** The guide's cURL recipe: `echo -n "$T.$BODY" | openssl dgst -sha256 -hmac "$S"`. */
const opensslRecipe = (secret: string, timestamp: string, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')

/** The guide's JavaScript recipe, verbatim but for the clock. */
function guideJavaScript(bodyObject: unknown, secret: string, timestamp: string) {
  const bodyString = JSON.stringify(bodyObject)
  const message = Buffer.concat([Buffer.from(timestamp + '.', 'utf8'), Buffer.from(bodyString, 'utf8')])
  const signature = createHmac('sha256', secret).update(message).digest('hex')
  return { 'X-ML-Signature': `sha256=${signature}`, 'X-ML-Timestamp': timestamp, 'Content-Type': 'application/json' }
}

const SECRET = 'test_secret_123'
const TS = '1700000000'
const BODY = '{"status":"completed"}'

describe('signatures', () => {
  it('match the pinned vector from the guide recipes byte for byte', async () => {
    const expected = opensslRecipe(SECRET, TS, BODY)
    expect(expected).toBe('9d09e7d15a62ef62b0a645fb36577ca3c8d1e5019b2803b34c0eb6c9cb1dcce5')
    expect(await computeSignature(SECRET, TS, BODY)).toBe(`sha256=${expected}`)
  })

  it('equal the guide JavaScript example for a payload', async () => {
    const { body, headers } = await signRequest({ status: 'completed' }, SECRET, { timestamp: TS, nonce: false })
    expect(body).toBe(BODY)
    expect(headers).toEqual(guideJavaScript({ status: 'completed' }, SECRET, TS))
  })

  it('sign the bytes given, so a Python-serialized body verifies too', async () => {
    const python = '{"status": "failed", "error_message": "Out of memory during inference"}'
    expect(await computeSignature(SECRET, TS, python)).toBe(`sha256=${opensslRecipe(SECRET, TS, python)}`)
    expect(await computeSignature(SECRET, TS, new TextEncoder().encode(python))).toBe(`sha256=${opensslRecipe(SECRET, TS, python)}`)
  })

  it('encode non-ASCII bodies and secrets as UTF-8', async () => {
    const body = serializeBody({ class_name: 'café ☕', note: '日本' })
    expect(await computeSignature('sécret', TS, body)).toBe(`sha256=${opensslRecipe('sécret', TS, body)}`)
  })

  it('add a fresh UUID nonce per request unless told otherwise', async () => {
    const a = await signatureHeaders(SECRET, BODY, { timestamp: TS })
    const b = await signatureHeaders(SECRET, BODY, { timestamp: TS })
    expect(a['X-ML-Nonce']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(a['X-ML-Nonce']).not.toBe(b['X-ML-Nonce'])
    expect(a['X-ML-Signature']).toBe(b['X-ML-Signature']) // the nonce is not part of the signed message
    expect((await signatureHeaders(SECRET, BODY, { nonce: 'n-1' }))['X-ML-Nonce']).toBe('n-1')
    expect(await signatureHeaders(SECRET, BODY, { nonce: false })).not.toHaveProperty('X-ML-Nonce')
  })

  it('default the timestamp to the current unix second', async () => {
    const before = Math.floor(Date.now() / 1000)
    const ts = Number((await signatureHeaders(SECRET, BODY))['X-ML-Timestamp'])
    expect(ts).toBeGreaterThanOrEqual(before)
    expect(ts).toBeLessThanOrEqual(before + 1)
  })
})
