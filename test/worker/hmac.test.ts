import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, BASE, fetchWithEnv, scenario } from './helpers'

/*
 * Signatures here are computed from scratch with crypto.subtle, never with src/pipeline/hmac.ts,
 * so a bug in the server's signer cannot hide a bug in its verifier.
 */

const SECRET = 'test_secret_123'
const ROTATED_SECRET = 'rotated_secret_456'
const encoder = new TextEncoder()

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

async function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const bytes = typeof body === 'string' ? encoder.encode(body) : body
  const prefix = encoder.encode(`${timestamp}.`)
  const message = new Uint8Array(prefix.length + bytes.length)
  message.set(prefix)
  message.set(bytes, prefix.length)
  return hex(await crypto.subtle.sign('HMAC', key, message))
}

const now = () => Math.floor(Date.now() / 1000)

interface Envelope {
  error: { code: string; message: string; details: unknown }
}

/** Sends `body` byte for byte with exactly the headers given; undefined leaves a header out. */
function send(method: string, path: string, body: string, headers: Record<string, string | undefined>) {
  const h = new Headers({ 'Content-Type': 'application/json' })
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) h.set(name, value)
  return exports.default.fetch(new Request(BASE + path, { method, headers: h, body }))
}

async function signedHeaders(body: string, opts: { secret?: string; timestamp?: string } = {}) {
  const timestamp = opts.timestamp ?? String(now())
  return { 'X-ML-Timestamp': timestamp, 'X-ML-Signature': `sha256=${await hmacHex(opts.secret ?? SECRET, timestamp, body)}` }
}

async function rejectionAudits(requestId: string) {
  const { results } = await env.DB.prepare(`SELECT * FROM audit_log WHERE request_id = ? AND action = 'callback.rejected'`)
    .bind(requestId)
    .all<{ actor_type: string; target_type: string; target_id: string; details: string }>()
  return results
}

describe('the test signer', () => {
  // Reference digests from Python's hmac module, `openssl dgst -sha256 -hmac` and Node's crypto.createHmac.
  it.each([
    ['Python json.dumps', '{"status": "completed"}', 'c308c2885d94f4f4080c0402d4d983aa9d7be493b2d7a5d7ab316cef79501912'],
    ['Python json.dumps', '{"status": "processing"}', '596b346ac6788a863ea99541b29df2fb7b70398743e926cf374b8de97cadf4ad'],
    ['JSON.stringify and cURL', '{"status":"completed"}', '5c92b5105a3df8189415153ca96fabc19c3d7407bda8211bdab61972e48a8747'],
    [
      'Python json.dumps',
      '{"artifact_type": "heatmap", "filename": "heatmap.png"}',
      'cea18acab9d070029bcdf6f1e57b53751e68a050c1703301ded4babcc7a63a04',
    ],
  ])('matches the reference digest of the %s body %s', async (_source, body, digest) => {
    expect(await hmacHex(SECRET, '1736937000', body)).toBe(digest)
  })
})

describe('the guide’s recipes, byte for byte', () => {
  it('accepts the Python recipe through a whole lifecycle', async () => {
    const { owner, analysis } = await scenario()
    const id = analysis.id
    // What Python's json.dumps writes: ", " and ": " separators, non-ASCII escaped as \uXXXX.
    const steps: [string, string, string][] = [
      ['PATCH', `/api/analyses/${id}/status`, '{"status": "processing"}'],
      ['POST', `/api/analyses/${id}/artifacts/presign`, '{"artifact_type": "heatmap", "filename": "heatmap.png"}'],
      [
        'POST',
        `/api/analyses/${id}/annotations:bulk`,
        '{"annotations": [{"annotation_type": "bounding_box", "class_name": "caf\\u00e9", "confidence": 0.95, ' +
          '"data": {"x_min": 10, "y_min": 20, "x_max": 150, "y_max": 200, "image_width": 1024, "image_height": 768}, "ordering": 0}], "mode": "append"}',
      ],
      ['POST', `/api/analyses/${id}/finalize`, '{"status": "completed"}'],
    ]
    for (const [method, path, body] of steps) {
      expect(body).toMatch(/": /)
      const res = await send(method, path, body, await signedHeaders(body))
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200)
    }
    const annotations = await (await api(`/api/analyses/${id}/annotations`, { token: owner.token })).json<{ annotations: { class_name: string }[] }>()
    expect(annotations.annotations.map((a) => a.class_name)).toEqual(['café'])
  })

  it('accepts the JavaScript recipe through a whole lifecycle', async () => {
    const { analysis } = await scenario()
    const id = analysis.id
    const steps: [string, string, unknown][] = [
      ['PATCH', `/api/analyses/${id}/status`, { status: 'processing' }],
      ['POST', `/api/analyses/${id}/artifacts/presign`, { artifact_type: 'heatmap', filename: 'heatmap.png' }],
      [
        'POST',
        `/api/analyses/${id}/annotations:bulk`,
        { annotations: [{ annotation_type: 'classification', class_name: 'café', confidence: 0.92, data: { topk: [{ class: 'café', confidence: 0.92 }] } }] },
      ],
      ['POST', `/api/analyses/${id}/finalize`, { status: 'completed' }],
    ]
    for (const [method, path, payload] of steps) {
      const body = JSON.stringify(payload)
      const res = await send(method, path, body, await signedHeaders(body))
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(200)
    }
  })

  it('accepts the cURL recipe: finalize straight from queued', async () => {
    const { analysis } = await scenario()
    const BODY = '{"status":"completed"}'
    const TIMESTAMP = String(now())
    const SIGNATURE = await hmacHex(SECRET, TIMESTAMP, `${BODY}`)
    const res = await send('POST', `/api/analyses/${analysis.id}/finalize`, BODY, {
      'Content-Type': 'application/json',
      'X-ML-Timestamp': TIMESTAMP,
      'X-ML-Signature': `sha256=${SIGNATURE}`,
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: analysis.id, status: 'completed' })
  })

  it('rejects a body that was re-serialized after signing', async () => {
    const { analysis } = await scenario()
    const signedBody = '{"status": "processing"}'
    const reserialized = JSON.stringify(JSON.parse(signedBody))
    expect(reserialized).not.toBe(signedBody)
    const res = await send('PATCH', `/api/analyses/${analysis.id}/status`, reserialized, await signedHeaders(signedBody))
    expect(res.status).toBe(401)
    expect((await res.json<Envelope>()).error.code).toBe('signature_invalid')
  })
})

describe('rejected callbacks', () => {
  // Every case targets a no-op status update, which an honest signature turns into a 200.
  const BODY = '{"status": "queued"}'
  type Case = [name: string, code: string, headers: (ts: string) => Promise<Record<string, string | undefined>>, body?: string]

  const tamper: Case[] = [
    ['a body changed after signing', 'signature_invalid', (ts) => signedHeaders('{"status": "queued"} ', { timestamp: ts })],
    ['a timestamp changed after signing', 'signature_invalid', async (ts) => ({ ...(await signedHeaders(BODY, { timestamp: ts })), 'X-ML-Timestamp': String(Number(ts) + 1) })],
    ['a wrong secret', 'signature_invalid', (ts) => signedHeaders(BODY, { timestamp: ts, secret: 'not_the_secret' })],
    ['a secret with extra whitespace', 'signature_invalid', (ts) => signedHeaders(BODY, { timestamp: ts, secret: `${SECRET} ` })],
    ['a signature without the sha256= prefix', 'signature_invalid', async (ts) => ({ 'X-ML-Timestamp': ts, 'X-ML-Signature': await hmacHex(SECRET, ts, BODY) })],
    ['a sha1= prefix', 'signature_invalid', async (ts) => ({ 'X-ML-Timestamp': ts, 'X-ML-Signature': `sha1=${await hmacHex(SECRET, ts, BODY)}` })],
    ['a truncated digest', 'signature_invalid', async (ts) => ({ 'X-ML-Timestamp': ts, 'X-ML-Signature': `sha256=${(await hmacHex(SECRET, ts, BODY)).slice(0, 63)}` })],
    ['a digest in base64', 'signature_invalid', async (ts) => ({ 'X-ML-Timestamp': ts, 'X-ML-Signature': `sha256=${btoa((await hmacHex(SECRET, ts, BODY)).slice(0, 48))}` })],
    ['a flipped digest bit', 'signature_invalid', async (ts) => {
      const digest = await hmacHex(SECRET, ts, BODY)
      return { 'X-ML-Timestamp': ts, 'X-ML-Signature': `sha256=${digest.slice(0, -1)}${digest.endsWith('0') ? '1' : '0'}` }
    }],
    ['no signature header', 'signature_missing', async (ts) => ({ 'X-ML-Timestamp': ts })],
    ['no timestamp header', 'signature_missing', async (ts) => ({ 'X-ML-Signature': (await signedHeaders(BODY, { timestamp: ts }))['X-ML-Signature'] })],
    ['no headers at all', 'signature_missing', async () => ({})],
    ['a timestamp 301 s in the past', 'timestamp_skew', (ts) => signedHeaders(BODY, { timestamp: String(Number(ts) - 301) })],
    ['a timestamp 301 s in the future', 'timestamp_skew', (ts) => signedHeaders(BODY, { timestamp: String(Number(ts) + 301) })],
    ['a timestamp a day old', 'timestamp_skew', (ts) => signedHeaders(BODY, { timestamp: String(Number(ts) - 86_400) })],
    ['a fractional timestamp, correctly signed', 'signature_invalid', (ts) => signedHeaders(BODY, { timestamp: `${ts}.5` })],
    ['a timestamp in exponent form, correctly signed', 'signature_invalid', (ts) => signedHeaders(BODY, { timestamp: `${(Number(ts) / 1e9).toFixed(9)}e9` })],
    ['a timestamp in milliseconds', 'signature_invalid', (ts) => signedHeaders(BODY, { timestamp: `${ts}000` })],
    ['a negative timestamp', 'signature_invalid', (ts) => signedHeaders(BODY, { timestamp: `-${ts}` })],
    ['a timestamp that is not a number', 'signature_invalid', () => signedHeaders(BODY, { timestamp: 'yesterday' })],
  ]

  it('accepts the honest version of every case below', async () => {
    const { analysis } = await scenario()
    const res = await send('PATCH', `/api/analyses/${analysis.id}/status`, BODY, await signedHeaders(BODY))
    expect(res.status).toBe(200)
  })

  it.each(tamper)('rejects %s with 401 %s and an audit row', async (_name, code, headers) => {
    const { analysis } = await scenario()
    const res = await send('PATCH', `/api/analyses/${analysis.id}/status`, BODY, await headers(String(now())))
    expect(res.status).toBe(401)
    expect((await res.json<Envelope>()).error.code).toBe(code)
    const audits = await rejectionAudits(res.headers.get('X-Request-Id')!)
    expect(audits).toHaveLength(1)
    expect(audits[0]).toMatchObject({ actor_type: 'pipeline', target_type: 'analysis', target_id: analysis.id })
    expect(JSON.parse(audits[0]!.details)).toMatchObject({ code, path: `/api/analyses/${analysis.id}/status` })
  })

  it('changes nothing when it rejects a callback', async () => {
    const { analysis } = await scenario()
    const body = '{"status": "processing"}'
    const res = await send('PATCH', `/api/analyses/${analysis.id}/status`, body, await signedHeaders(body, { secret: 'wrong' }))
    expect(res.status).toBe(401)
    const row = await env.DB.prepare('SELECT status, version FROM analyses WHERE id = ?').bind(analysis.id).first()
    expect(row).toEqual({ status: 'queued', version: 0 })
  })

  it.each([
    ['the bulk endpoint', 'POST', 'annotations:bulk', '{"annotations": []}'],
    ['presign', 'POST', 'artifacts/presign', '{"artifact_type": "log", "filename": "run.log"}'],
    ['finalize', 'POST', 'finalize', '{"status": "completed"}'],
    ['progress', 'POST', 'progress', '{"progress": 0.5}'],
  ])('guards %s the same way', async (_name, method, suffix, body) => {
    const { analysis } = await scenario()
    const path = `/api/analyses/${analysis.id}/${suffix}`
    const bad = await send(method, path, body, await signedHeaders(body, { secret: 'wrong' }))
    expect(bad.status).toBe(401)
    expect(await rejectionAudits(bad.headers.get('X-Request-Id')!)).toHaveLength(1)
    const good = await send(method, path, body, await signedHeaders(body))
    expect(good.status, await good.clone().text()).toBe(200)
  })
})

describe('accepted variations', () => {
  it('accepts a signature made with the rotated second secret', async () => {
    const { analysis } = await scenario()
    const body = '{"status": "processing"}'
    const res = await send('PATCH', `/api/analyses/${analysis.id}/status`, body, await signedHeaders(body, { secret: ROTATED_SECRET }))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'processing' })
  })

  it.each([
    ['299 s in the past', -299],
    ['299 s in the future', 299],
  ])('accepts a timestamp %s', async (_name, offset) => {
    const { analysis } = await scenario()
    const body = '{"status": "queued"}'
    const res = await send('PATCH', `/api/analyses/${analysis.id}/status`, body, await signedHeaders(body, { timestamp: String(now() + offset) }))
    expect(res.status).toBe(200)
  })

  it('honours ML_HMAC_SKEW_SECONDS', async () => {
    const { analysis } = await scenario()
    const body = '{"status": "queued"}'
    const request = async (offset: number) =>
      new Request(`${BASE}/api/analyses/${analysis.id}/status`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json', ...(await signedHeaders(body, { timestamp: String(now() + offset) })) },
        body,
      })
    const late = await fetchWithEnv(await request(-20), { ML_HMAC_SKEW_SECONDS: '10' })
    expect(late.status).toBe(401)
    expect((await late.json<Envelope>()).error.code).toBe('timestamp_skew')
    expect((await fetchWithEnv(await request(-5), { ML_HMAC_SKEW_SECONDS: '10' })).status).toBe(200)
  })
})

describe('nonces', () => {
  async function withNonce(analysisId: string, body: string, nonce: string) {
    return send('PATCH', `/api/analyses/${analysisId}/status`, body, { ...(await signedHeaders(body)), 'X-ML-Nonce': nonce })
  }

  it('accepts a fresh nonce and refuses it the second time with 401 nonce_reused and an audit row', async () => {
    const { analysis } = await scenario()
    const nonce = crypto.randomUUID()
    expect((await withNonce(analysis.id, '{"status": "queued"}', nonce)).status).toBe(200)
    const replay = await withNonce(analysis.id, '{"status": "processing"}', nonce)
    expect(replay.status).toBe(401)
    expect((await replay.json<Envelope>()).error.code).toBe('nonce_reused')
    const audits = await rejectionAudits(replay.headers.get('X-Request-Id')!)
    expect(audits).toHaveLength(1)
    expect(JSON.parse(audits[0]!.details)).toMatchObject({ code: 'nonce_reused' })
    const row = await env.DB.prepare('SELECT status FROM analyses WHERE id = ?').bind(analysis.id).first()
    expect(row).toEqual({ status: 'queued' })
  })

  it('refuses a byte-identical replay that carries a nonce', async () => {
    const { analysis } = await scenario()
    const body = '{"status": "queued"}'
    const headers = { ...(await signedHeaders(body)), 'X-ML-Nonce': crypto.randomUUID() }
    expect((await send('PATCH', `/api/analyses/${analysis.id}/status`, body, headers)).status).toBe(200)
    expect((await send('PATCH', `/api/analyses/${analysis.id}/status`, body, headers)).status).toBe(401)
  })

  it('accepts different nonces one after another', async () => {
    const { analysis } = await scenario()
    for (let i = 0; i < 3; i++) expect((await withNonce(analysis.id, '{"status": "queued"}', crypto.randomUUID())).status).toBe(200)
  })

  it('refuses a reused nonce on every pipeline endpoint, not just status', async () => {
    const { analysis } = await scenario()
    const nonce = crypto.randomUUID()
    expect((await withNonce(analysis.id, '{"status": "queued"}', nonce)).status).toBe(200)
    const body = '{"annotations": []}'
    const res = await send('POST', `/api/analyses/${analysis.id}/annotations:bulk`, body, { ...(await signedHeaders(body)), 'X-ML-Nonce': nonce })
    expect(res.status).toBe(401)
    expect((await res.json<Envelope>()).error.code).toBe('nonce_reused')
  })
})

describe('ML_PIPELINE_REQUIRE_HMAC=false', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  const unsigned = (analysisId: string, body: string, headers: Record<string, string> = {}) =>
    new Request(`${BASE}/api/analyses/${analysisId}/status`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', ...headers }, body })

  it('lets an unsigned callback through and logs a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { analysis } = await scenario()
    const res = await fetchWithEnv(unsigned(analysis.id, '{"status": "processing"}'), { ML_PIPELINE_REQUIRE_HMAC: 'false' })
    expect(res.status).toBe(200)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('unsigned pipeline callback accepted'))
  })

  it('still checks a callback that is signed', async () => {
    const { analysis } = await scenario()
    const body = '{"status": "processing"}'
    const res = await fetchWithEnv(unsigned(analysis.id, body, await signedHeaders(body, { secret: 'wrong' })), { ML_PIPELINE_REQUIRE_HMAC: 'false' })
    expect(res.status).toBe(401)
  })

  it('is off by default: the same unsigned call is refused', async () => {
    const { analysis } = await scenario()
    const res = await exports.default.fetch(unsigned(analysis.id, '{"status": "processing"}'))
    expect(res.status).toBe(401)
  })

  it('refuses every signature when no secret is configured', async () => {
    const { analysis } = await scenario()
    const body = '{"status": "queued"}'
    const res = await fetchWithEnv(unsigned(analysis.id, body, await signedHeaders(body)), { ML_CALLBACK_HMAC_SECRET: '' })
    expect(res.status).toBe(401)
  })
})
