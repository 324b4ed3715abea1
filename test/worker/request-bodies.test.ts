import { describe, expect, it } from 'vitest'
import { analysisRow, api, BASE, scenario, signed, signedRequest } from './helpers'
import { exports } from 'cloudflare:workers'
import { MAX_JSON_DEPTH } from '../../src/http/json-shape'

type Envelope = { error: { code: string; message: string; details: Record<string, unknown> | null } }

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

describe('JSON bodies are bounded and well-formed before anything else sees them', () => {
  it.each([MAX_JSON_DEPTH + 1, 1_100, 10_000])('refuses annotation data nested %i deep with 400 json_too_deep, storing nothing', async (depth) => {
    const { analysis } = await scenario()
    const raw = `{"annotations":[{"annotation_type":"custom","data":{"x":${nested(depth)}}}]}`
    const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, null, { rawBody: raw })
    expect(res.status).toBe(400)
    const body = await res.json<Envelope>()
    expect(body.error.code).toBe('json_too_deep')
    expect(body.error.details).toMatchObject({ max_depth: MAX_JSON_DEPTH })
    expect(await analysisRow(analysis.id)).toMatchObject({ annotation_count: 0, version: 0 })
  })

  it('refuses parameters nested 5,000 deep at create, so the analysis never exists to fail later', async () => {
    const { owner, image } = await scenario()
    const raw = `{"model_name":"m","model_version":"1","parameters":{"p":${nested(5000)}}}`
    const res = await api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, headers: { 'Content-Type': 'application/json' }, body: raw })
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.code).toBe('json_too_deep')
  })

  it('accepts data nested exactly to the limit', async () => {
    const { analysis } = await scenario()
    // The body itself takes four levels ({, annotations [, item {, data {) before the value.
    const raw = `{"annotations":[{"annotation_type":"custom","data":{"x":${nested(MAX_JSON_DEPTH - 4)}}}]}`
    expect((await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, null, { rawBody: raw })).status).toBe(200)
  })

  it.each([
    ['data', '{"annotations":[{"annotation_type":"custom","data":{"x":"\\ud800"}}]}', ['annotations', 0, 'data', 'x']],
    ['class_name', '{"annotations":[{"annotation_type":"custom","class_name":"x\\udfffy","data":{}}]}', ['annotations', 0, 'class_name']],
  ])('refuses a lone UTF-16 surrogate in %s with 400 naming the field', async (_where, raw, path) => {
    const { analysis } = await scenario()
    const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, null, { rawBody: raw })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_json', details: { path } } })
  })

  it('refuses a lone surrogate in a log line the same way', async () => {
    const { analysis } = await scenario()
    const raw = '{"lines":[{"ts":"2025-01-15T10:30:01.000Z","level":"info","message":"bad \\ud83d"}]}'
    const res = await signed('POST', `/api/analyses/${analysis.id}/logs`, null, { rawBody: raw })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_json', details: { path: ['lines', 0, 'message'] } } })
  })
})

describe('one Content-Type rule, checked first', () => {
  it.each(['application/json; foo', 'application/json-seq', 'text/json', 'application/x-www-form-urlencoded'])(
    'answers %s on a signed callback with 415 unsupported_media_type, before the nonce is spent',
    async (type) => {
      const { analysis } = await scenario()
      const request = await signedRequest('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' }, { nonce: `n-${crypto.randomUUID()}` })
      const nonce = request.headers.get('X-ML-Nonce')!
      request.headers.set('Content-Type', type)
      const res = await exports.default.fetch(request)
      expect(res.status).toBe(415)
      expect((await res.json<Envelope>()).error.code).toBe('unsupported_media_type')
      // The same signed request with the right type still goes through: its nonce was never used.
      const retry = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' }, { nonce })
      expect(retry.status).toBe(200)
    },
  )

  it('accepts a JSON type with a charset parameter', async () => {
    const { analysis } = await scenario()
    const request = await signedRequest('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    request.headers.set('Content-Type', 'application/json; charset=utf-8')
    expect((await exports.default.fetch(request)).status).toBe(200)
  })

  it('answers an image upload sent as JSON with 415 unsupported_media_type', async () => {
    const { owner, project } = await scenario()
    const res = await api(`/api/projects/${project.id}/images`, { method: 'POST', token: owner.token, json: { file: 'x' } })
    expect(res.status).toBe(415)
    expect((await res.json<Envelope>()).error.code).toBe('unsupported_media_type')
  })
})

describe('unsigned bodies', () => {
  it('refuses an unsigned 40 MB bulk body with 401 without reading it', async () => {
    const { analysis } = await scenario()
    let pulled = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        if (pulled > 640) return controller.close()
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20))
      },
    })
    const res = await exports.default.fetch(
      new Request(`${BASE}/api/analyses/${analysis.id}/annotations:bulk`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit),
    )
    expect(res.status).toBe(401)
    expect((await res.json<Envelope>()).error.code).toBe('signature_missing')
    // A stream starts one pull ahead; reading the body would have taken all 640.
    expect(pulled).toBeLessThanOrEqual(2)
  })
})

describe('a finished analysis is a record', () => {
  it.each([
    ['completed', (id: string) => signed('POST', `/api/analyses/${id}/finalize`, { status: 'completed' })],
    ['canceled', (id: string, token: string) => api(`/api/analyses/${id}/cancel`, { method: 'POST', token })],
  ])('after %s, a PATCH with progress and stage changes no field', async (status, end) => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing', progress: 0.5, stage: 'inference' })
    expect((await end(analysis.id, owner.token)).status).toBe(200)
    const before = await analysisRow(analysis.id)
    const res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status, progress: 0.05, stage: 'reopened' })
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.code).toMatch(/^analysis_(finalized|canceled)$/)
    expect(await analysisRow(analysis.id)).toEqual(before)
  })

  it('still answers a repeated final status with 200 and changes nothing', async () => {
    const { analysis } = await scenario()
    await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    const before = await analysisRow(analysis.id)
    expect((await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'completed' })).status).toBe(200)
    expect(await analysisRow(analysis.id)).toEqual(before)
  })
})
