import { env, exports } from 'cloudflare:workers'
import { generateToken, sha256Hex, tokenPrefix, API_TOKEN_PREFIX } from '../../src/auth/tokens'
import { signCallback } from '../../src/pipeline/hmac'

export const BASE = 'http://loupe.test'
export const SECRET = 'test_secret_123'

export interface TestUser {
  id: string
  email: string
  token: string
}

let counter = 0

export async function createUser(name = 'user'): Promise<TestUser> {
  const id = crypto.randomUUID()
  const email = `${name}-${++counter}-${id.slice(0, 8)}@example.com`
  const token = generateToken(API_TOKEN_PREFIX)
  await env.DB.batch([
    env.DB.prepare('INSERT INTO users (id, email, name) VALUES (?, ?, ?)').bind(id, email, name),
    env.DB.prepare('INSERT INTO api_tokens (id, user_id, kind, token_hash, token_prefix) VALUES (?, ?, ?, ?, ?)').bind(
      crypto.randomUUID(),
      id,
      'api',
      await sha256Hex(token),
      tokenPrefix(token),
    ),
  ])
  return { id, email, token }
}

export function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers)
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`)
  let body = init.body
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(init.json)
  }
  return exports.default.fetch(new Request(BASE + path, { ...init, headers, body }))
}

/** Signs exactly like the guide's JavaScript recipe: JSON.stringify, then timestamp + '.' + body. */
export async function signed(
  method: string,
  path: string,
  payload: unknown,
  opts: { secret?: string; timestamp?: number; nonce?: string; rawBody?: string } = {},
) {
  const body = opts.rawBody ?? JSON.stringify(payload)
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000))
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ML-Timestamp': ts,
    'X-ML-Signature': await signCallback(opts.secret ?? SECRET, ts, new TextEncoder().encode(body)),
  }
  if (opts.nonce) headers['X-ML-Nonce'] = opts.nonce
  return exports.default.fetch(new Request(BASE + path, { method, headers, body }))
}

export const PNG_1x1 = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='),
  (c) => c.charCodeAt(0),
)

export async function createProject(user: TestUser, name = 'Project') {
  const res = await api('/api/projects', { method: 'POST', token: user.token, json: { name } })
  if (res.status !== 201) throw new Error(`create project: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string }
}

export async function uploadImage(user: TestUser, projectId: string, bytes: Uint8Array = PNG_1x1, filename = 'pixel.png') {
  const form = new FormData()
  form.append('file', new File([bytes], filename, { type: 'image/png' }))
  const res = await api(`/api/projects/${projectId}/images`, { method: 'POST', token: user.token, body: form })
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string; width: number; height: number }
}

export async function createAnalysis(user: TestUser, imageId: string, body: Record<string, unknown> = {}) {
  const res = await api(`/api/images/${imageId}/analyses`, {
    method: 'POST',
    token: user.token,
    json: { model_name: 'yolo_v8', model_version: '1.0.0', ...body },
  })
  if (res.status !== 201 && res.status !== 200) throw new Error(`create analysis: ${res.status} ${await res.text()}`)
  return (await res.json()) as { id: string; status: string; version: number }
}

/** A user with a project, an image and a queued analysis: the usual starting point. */
export async function scenario() {
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  const analysis = await createAnalysis(owner, image.id)
  return { owner, project, image, analysis }
}
