import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import type { RunState } from '../../durable-objects/run-state'
import { createApp } from '../../src/app'
import { generateToken, tokenPrefix, API_TOKEN_PREFIX } from '../../src/auth/tokens'
import { sha256Hex } from '../../src/digest'
import { signCallback } from '../../src/pipeline/hmac'
import gray4096Url from '../fixtures/images/gray-4096.png?inline'

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
  return exports.default.fetch(request(path, init))
}

/** Signs exactly like the guide's JavaScript recipe: JSON.stringify, then timestamp + '.' + body. */
export async function signed(
  method: string,
  path: string,
  payload: unknown,
  opts: { secret?: string; timestamp?: number; nonce?: string; rawBody?: string } = {},
) {
  return exports.default.fetch(await signedRequest(method, path, payload, opts))
}

export async function signedRequest(
  method: string,
  path: string,
  payload: unknown,
  opts: { secret?: string; timestamp?: number; nonce?: string; rawBody?: string } = {},
): Promise<Request> {
  const body = opts.rawBody ?? JSON.stringify(payload)
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000))
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-ML-Timestamp': ts,
    'X-ML-Signature': await signCallback(opts.secret ?? SECRET, ts, new TextEncoder().encode(body)),
  }
  if (opts.nonce) headers['X-ML-Nonce'] = opts.nonce
  return new Request(BASE + path, { method, headers, body })
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

export const bytesOfDataUrl = (url: string) => Uint8Array.from(atob(url.slice(url.indexOf(',') + 1)), (c) => c.charCodeAt(0))

/**
 * The image tests upload unless they say otherwise: 4096 × 4096 (22 KB, one shade of grey), so that
 * boxes posted without a frame, which are held to the image's own size, land inside it.
 */
export const GRAY_4096 = bytesOfDataUrl(gray4096Url)

export async function uploadImage(user: TestUser, projectId: string, bytes: Uint8Array = GRAY_4096, filename = 'pixel.png') {
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

/** Builds a request the way `api` sends it, for tests that call the app with other bindings. */
export function request(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Request {
  const headers = new Headers(init.headers)
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`)
  let body = init.body
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(init.json)
  }
  return new Request(BASE + path, { ...init, headers, body })
}

/**
 * Runs a request through a fresh app whose bindings differ from the test env. Config is cached
 * per env object, so the spread env is parsed on its own; waitUntil work is awaited before returning.
 */
export async function fetchWithEnv(req: Request, overrides: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await createApp().fetch(req, { ...env, ...overrides }, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

export async function addMember(owner: TestUser, projectId: string, member: TestUser, role: 'owner' | 'editor' | 'viewer') {
  const res = await api(`/api/projects/${projectId}/members`, { method: 'POST', token: owner.token, json: { user_id: member.id, role } })
  if (res.status !== 200) throw new Error(`add member: ${res.status} ${await res.text()}`)
}

/** Presigns an artifact through the signed pipeline endpoint and PUTs the bytes to the returned URL. */
export async function uploadArtifact(analysisId: string, filename = 'heatmap.png', bytes: Uint8Array = PNG_1x1, artifactType = 'heatmap') {
  const res = await signed('POST', `/api/analyses/${analysisId}/artifacts/presign`, { artifact_type: artifactType, filename })
  if (res.status !== 200) throw new Error(`presign: ${res.status} ${await res.text()}`)
  const ticket = await res.json<{ upload_url: string; storage_path: string; headers: Record<string, string> }>()
  const put = await exports.default.fetch(new Request(ticket.upload_url, { method: 'PUT', headers: ticket.headers, body: bytes }))
  if (put.status !== 200) throw new Error(`upload: ${put.status} ${await put.text()}`)
  return ticket.storage_path
}

export const analysisStub = (analysisId: string) => env.ANALYSIS.get(env.ANALYSIS.idFromName(analysisId))

/** The analysis as its Durable Object holds it, read from the object's own storage. */
export function objectState(analysisId: string) {
  return runInDurableObject(analysisStub(analysisId), (_instance, state) => state.storage.kv.get<RunState>('state'))
}

export function analysisRow(analysisId: string) {
  return env.DB.prepare('SELECT * FROM analyses WHERE id = ?').bind(analysisId).first<Record<string, unknown>>()
}

export async function sha256Of(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Bytes of a `?inline` asset import (a base64 data URL): how tests read the fixture images inside workerd. */
