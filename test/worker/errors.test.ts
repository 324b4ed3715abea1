import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { api, BASE, createUser, fetchWithEnv, request, scenario, signed, type TestUser } from './helpers'

interface Envelope {
  error: { code: string; message: string; details: unknown; request_id: string | null }
}

async function envelope(res: Response): Promise<Envelope> {
  expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
  const body = await res.json<Envelope>()
  expect(Object.keys(body)).toEqual(['error'])
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message', 'request_id'])
  expect(typeof body.error.message).toBe('string')
  // Every envelope names the request, so a user reporting an error can quote it.
  expect(body.error.request_id).toBe(res.headers.get('X-Request-Id'))
  return body
}

let user: TestUser
beforeAll(async () => {
  user = await createUser()
})

const postProject = (body: BodyInit, headers: Record<string, string>) =>
  api('/api/projects', { method: 'POST', token: user.token, headers, body })

describe('bad request bodies get a clear 4xx envelope', () => {
  it.each([
    ['a truncated object', '{"name": "x"'],
    ['a trailing comma', '{"name": "x",}'],
    ['plain text', 'name=x'],
    ['an empty body', ''],
  ])('answers 400 invalid_json for %s', async (_what, body) => {
    const res = await postProject(body, { 'Content-Type': 'application/json' })
    expect(res.status).toBe(400)
    expect((await envelope(res)).error.code).toBe('invalid_json')
  })

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['form encoding', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('answers 415 for %s on a JSON endpoint', async (_what, headers) => {
    const res = await postProject('{"name":"x"}', headers as Record<string, string>)
    expect(res.status).toBe(415)
    expect((await envelope(res)).error.code).toBe('unsupported_media_type')
  })

  it('accepts application/json with a charset and vendor +json types', async () => {
    expect((await postProject('{"name":"x"}', { 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(201)
    expect((await postProject('{"name":"x"}', { 'Content-Type': 'application/vnd.loupe+json' })).status).toBe(201)
  })

  it('answers 413 for a JSON body over 1 MB', async () => {
    const body = JSON.stringify({ name: 'x', description: 'y'.repeat(1024 * 1024) })
    const res = await postProject(body, { 'Content-Type': 'application/json' })
    expect(res.status).toBe(413)
    const { error } = await envelope(res)
    expect(error.code).toBe('payload_too_large')
    expect(error.details).toEqual({ max_bytes: 1024 * 1024 })
  })

  it('answers 413 for a streamed body over 1 MB that declares no length', async () => {
    const chunk = new TextEncoder().encode('y'.repeat(64 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 0) controller.enqueue(new TextEncoder().encode('{"name":"x","description":"'))
        else if (sent < 20) controller.enqueue(chunk)
        else {
          controller.enqueue(new TextEncoder().encode('"}'))
          controller.close()
        }
      },
    })
    const res = await exports.default.fetch(
      new Request(`${BASE}/api/projects`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
        body: stream,
      }),
    )
    expect(res.status).toBe(413)
    expect((await envelope(res)).error.code).toBe('payload_too_large')
  })

  it('checks the size of a pipeline callback before its signature', async () => {
    const { analysis } = await scenario()
    const res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing', message: 'x'.repeat(1024 * 1024) })
    expect(res.status).toBe(413)
  })
})

describe('validation errors name the field', () => {
  it('puts the path of a body field first in the message and in details', async () => {
    const res = await postProject(JSON.stringify({ name: 42 }), { 'Content-Type': 'application/json' })
    expect(res.status).toBe(400)
    const { error } = await envelope(res)
    expect(error.code).toBe('validation_error')
    expect(error.message).toMatch(/^name: /)
    expect(error.details).toMatchObject({ target: 'json', issues: [{ path: ['name'] }] })
  })

  it('names a nested annotation field with its index', async () => {
    const { analysis } = await scenario()
    const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [
        { annotation_type: 'classification', data: { score: 0.5 } },
        { annotation_type: 'bounding_box', data: { x_min: 10, y_min: 0, x_max: 5, y_max: 1 } },
      ],
    })
    expect(res.status).toBe(400)
    const { error } = await envelope(res)
    expect(error.message).toMatch(/^annotations\.1\.data\.x_max: /)
    expect(error.details).toMatchObject({ issues: [{ path: ['annotations', '1', 'data', 'x_max'] }] })
  })

  it('names a bad query parameter', async () => {
    const { owner, project } = await scenario()
    const res = await api(`/api/projects/${project.id}/images?limit=lots`, { token: owner.token })
    expect(res.status).toBe(400)
    const { error } = await envelope(res)
    expect(error.message).toMatch(/^limit: /)
    expect(error.details).toMatchObject({ target: 'query', issues: [{ path: ['limit'] }] })
  })

  it('names a bad path parameter', async () => {
    const res = await api('/api/projects/123', { token: user.token })
    expect(res.status).toBe(400)
    expect((await envelope(res)).error.message).toMatch(/^project_id: /)
  })
})

describe('unknown routes and unexpected failures', () => {
  it.each([
    ['GET', '/api/nothing-here'],
    ['PUT', '/api/projects'],
    ['POST', '/api/health'],
  ])('answers %s %s with a 404 envelope', async (method, path) => {
    const res = await api(path, { method, token: user.token })
    expect(res.status).toBe(404)
    expect((await envelope(res)).error.code).toBe('not_found')
  })

  it('answers an unexpected exception with a generic 500 that leaks nothing and logs the request id', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const broken = {
        prepare() {
          throw new Error('SECRET internal detail')
        },
      }
      const res = await fetchWithEnv(request('/api/me', { token: user.token }), { DB: broken } as unknown as Record<string, string>)
      expect(res.status).toBe(500)
      const { error } = await envelope(res)
      expect(error).toEqual({ code: 'internal_error', message: 'Internal server error', details: null, request_id: res.headers.get('X-Request-Id') })
      expect(JSON.stringify(error)).not.toContain('SECRET')
      expect(logged).toHaveBeenCalledWith(expect.stringContaining(res.headers.get('X-Request-Id')!))
    } finally {
      logged.mockRestore()
    }
  })
})

describe('request ids', () => {
  const responses: [string, () => Promise<Response>][] = [
    ['200 health', () => api('/api/health')],
    ['201 create', () => api('/api/projects', { method: 'POST', token: user.token, json: { name: 'x' } })],
    ['204 sign-out', () => api('/api/auth/session', { method: 'DELETE' })],
    ['302 sign-in link', () => api(`/api/auth/link?token=${user.token}`, { redirect: 'manual' })],
    ['400 invalid JSON', () => postProject('{', { 'Content-Type': 'application/json' })],
    ['401 anonymous', () => api('/api/projects')],
    ['401 unsigned callback', () => api(`/api/analyses/${crypto.randomUUID()}/status`, { method: 'PATCH', json: { status: 'processing' } })],
    ['403 bad presigned URL', () => api('/s3/images/x?X-Amz-Signature=0')],
    ['404 unknown route', () => api('/api/nope')],
    ['413 too large', () => postProject(JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), { 'Content-Type': 'application/json' })],
    ['415 wrong type', () => postProject('{}', { 'Content-Type': 'text/plain' })],
    ['500 misconfigured', () => fetchWithEnv(request('/api/health'), { ML_HMAC_SKEW_SECONDS: 'never' })],
    ['OpenAPI document', () => api('/api/openapi.json')],
  ]

  it.each(responses)('puts X-Request-Id on the %s response', async (_what, send) => {
    const silenced = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await send()
      expect(res.headers.get('X-Request-Id')).toMatch(/^[\w-]{8,}$/)
    } finally {
      silenced.mockRestore()
    }
  })

  it('gives every request its own id', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await api('/api/health')).headers.get('X-Request-Id')))
    expect(new Set(ids).size).toBe(3)
  })

  it('keeps the id a proxy sent', async () => {
    const res = await api('/api/health', { headers: { 'X-Request-Id': 'edge-0123456789' } })
    expect(res.headers.get('X-Request-Id')).toBe('edge-0123456789')
  })

  it('records the request id in the audit log', async () => {
    const res = await api('/api/projects', { method: 'POST', token: user.token, json: { name: 'audited' } })
    const project = await res.json<{ id: string }>()
    const row = await env.DB.prepare(`SELECT request_id FROM audit_log WHERE action = 'project.created' AND target_id = ?`).bind(project.id).first()
    expect(row).toEqual({ request_id: res.headers.get('X-Request-Id') })
  })
})
