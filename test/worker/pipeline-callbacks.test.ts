import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index'
import { analysisRow, api, createAnalysis, createProject, createUser, fetchWithEnv, request, scenario, signedRequest, uploadImage } from './helpers'
import { asPipeline, auditRows, createAsPipeline, pipelineWorld } from './pipeline-helpers'

interface Envelope {
  error: { code: string; message: string; details: Record<string, unknown> | null }
}

/** A signed callback, optionally sent with a pipeline key and from a given address. */
async function callback(path: string, payload: unknown, opts: { secret?: string; nonce?: string; key?: string; ip?: string; timestamp?: number } = {}) {
  return exports.default.fetch(await withHeaders(await signedRequest(path.endsWith('/status') ? 'PATCH' : 'POST', path, payload, opts), opts))
}

async function withHeaders(req: Request, opts: { key?: string; ip?: string }) {
  const headers = new Headers(req.headers)
  if (opts.key) headers.set('X-API-Key', opts.key)
  if (opts.ip) headers.set('CF-Connecting-IP', opts.ip)
  return new Request(req, { headers })
}

async function createSecret(owner: { token: string }, pipelineId: string) {
  const res = await api(`/api/pipelines/${pipelineId}/secrets`, { method: 'POST', token: owner.token, json: { purpose: 'callback' } })
  expect(res.status).toBe(201)
  return res.json<{ id: string; secret: string }>()
}

const ip = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 6)}`

describe('run credentials', () => {
  it('sign every callback of their analysis, with no key and no shared secret', async () => {
    const { a, image } = await pipelineWorld()
    const created = await createAsPipeline(a, image.id)
    const secret = created.callback.secret
    const base = `/api/analyses/${created.id}`
    expect((await callback(`${base}/status`, { status: 'processing' }, { secret })).status).toBe(200)
    expect((await callback(`${base}/progress`, { progress: 0.5, stage: 'infer' }, { secret })).status).toBe(200)
    const bulk = await callback(`${base}/annotations:bulk`, { annotations: [{ annotation_type: 'classification', class_name: 'cat', data: { score: 1 } }] }, { secret })
    expect(bulk.status).toBe(200)
    expect(await (await callback(`${base}/finalize`, { status: 'completed' }, { secret })).json()).toMatchObject({ status: 'completed', annotation_count: 1 })
  })

  it('are refused on any other analysis, with an audit row naming the address and the reason', async () => {
    const { a, image, project } = await pipelineWorld()
    const mine = await createAsPipeline(a, image.id)
    const other = await createAsPipeline(a, image.id)
    const address = ip()
    const res = await callback(`/api/analyses/${other.id}/status`, { status: 'processing' }, { secret: mine.callback.secret, ip: address })
    expect(res.status).toBe(401)
    expect((await res.json<Envelope>()).error.code).toBe('signature_invalid')
    expect((await analysisRow(other.id))!.status).toBe('queued')
    const [row] = await auditRows("target_id = ? AND action = 'callback.rejected'", other.id)
    expect(row).toMatchObject({ project_id: project.id, pipeline_id: a.id })
    expect(JSON.parse(row!.details!)).toMatchObject({ code: 'signature_invalid', ip: address, reason: expect.stringContaining('does not match') })
  })

  it('stop working when their pipeline is disabled', async () => {
    const { a, owner, image } = await pipelineWorld()
    const created = await createAsPipeline(a, image.id)
    await api(`/api/pipelines/${a.id}/disable`, { method: 'POST', token: owner.token })
    const res = await callback(`/api/analyses/${created.id}/status`, { status: 'processing' }, { secret: created.callback.secret })
    expect(res.status).toBe(403)
    expect((await res.json<Envelope>()).error.code).toBe('pipeline_disabled')
    expect((await analysisRow(created.id))!.status).toBe('queued')
  })

  it('keep working with ML_REQUIRE_PIPELINE_KEYS=true, which refuses the shared secret', async () => {
    const { a, owner, image } = await pipelineWorld()
    const created = await createAsPipeline(a, image.id)
    const guide = await createAnalysis(owner, image.id)
    const strict = { ML_REQUIRE_PIPELINE_KEYS: 'true' }
    const shared = await fetchWithEnv(await signedRequest('PATCH', `/api/analyses/${guide.id}/status`, { status: 'processing' }), strict)
    expect(shared.status).toBe(401)
    const scoped = await fetchWithEnv(await signedRequest('PATCH', `/api/analyses/${created.id}/status`, { status: 'processing' }, { secret: created.callback.secret }), strict)
    expect(scoped.status).toBe(200)
  })
})

describe('pipeline secrets and keys on callbacks', () => {
  it('accept a callback signed with the pipeline’s own secret and sent with its key, and refuse it once the secret is revoked', async () => {
    const { a, owner, image } = await pipelineWorld()
    const created = await createAsPipeline(a, image.id)
    const { id, secret } = await createSecret(owner, a.id)
    expect(secret).toMatch(/^mlsec_/)
    const stored = await env.DB.prepare('SELECT * FROM pipeline_secrets WHERE id = ?').bind(id).first()
    expect(JSON.stringify(stored)).not.toContain(secret.slice(6))
    const path = `/api/analyses/${created.id}/status`
    expect((await callback(path, { status: 'processing' }, { secret, key: a.key })).status).toBe(200)
    // Without the key nothing names the pipeline, so its secret is not a candidate.
    expect((await callback(path, { status: 'processing' }, { secret })).status).toBe(401)
    await api(`/api/pipelines/${a.id}/secrets/${id}`, { method: 'DELETE', token: owner.token })
    expect((await callback(path, { status: 'processing' }, { secret, key: a.key })).status).toBe(401)
  })

  it('keeps two secrets active for rotation and refuses a third', async () => {
    const { a, owner } = await pipelineWorld()
    await createSecret(owner, a.id)
    await createSecret(owner, a.id)
    const third = await api(`/api/pipelines/${a.id}/secrets`, { method: 'POST', token: owner.token, json: {} })
    expect(third.status).toBe(409)
  })

  it('answers a valid key on another pipeline’s analysis with 404, changing nothing', async () => {
    const { a, b, image } = await pipelineWorld()
    const theirs = await createAsPipeline(b, image.id)
    const res = await callback(`/api/analyses/${theirs.id}/status`, { status: 'processing' }, { key: a.key })
    expect(res.status).toBe(404)
    expect((await analysisRow(theirs.id))!.status).toBe('queued')
    expect((await asPipeline(a.key, `/api/analyses/${theirs.id}/logs`)).status).toBe(404)
  })

  it('answers a key of another pipeline with a run credential of this one with 404', async () => {
    const { a, b, image } = await pipelineWorld()
    const mine = await createAsPipeline(a, image.id)
    const res = await callback(`/api/analyses/${mine.id}/status`, { status: 'processing' }, { secret: mine.callback.secret, key: b.key })
    expect(res.status).toBe(404)
  })
})

describe('nonces are spent per secret', () => {
  it('refuses a signed request captured for analysis A when it is replayed on analysis B', async () => {
    const owner = await createUser('owner')
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    const [a, b] = [await createAnalysis(owner, image.id), await createAnalysis(owner, image.id)]
    const nonce = crypto.randomUUID()
    const captured = await signedRequest('PATCH', `/api/analyses/${a.id}/status`, { status: 'processing' }, { nonce })
    const replay = new Request(captured.url.replace(a.id, b.id), { method: 'PATCH', headers: captured.headers, body: await captured.clone().text() })
    expect((await exports.default.fetch(captured)).status).toBe(200)
    const res = await exports.default.fetch(replay)
    expect(res.status).toBe(401)
    expect((await res.json<Envelope>()).error.code).toBe('nonce_reused')
    expect((await analysisRow(b.id))!.status).toBe('queued')
  })

  it('spends a pipeline secret’s nonce across its analyses too', async () => {
    const { a, owner, image } = await pipelineWorld()
    const [x, y] = [await createAsPipeline(a, image.id), await createAsPipeline(a, image.id)]
    const { secret } = await createSecret(owner, a.id)
    const nonce = crypto.randomUUID()
    const timestamp = Math.floor(Date.now() / 1000)
    expect((await callback(`/api/analyses/${x.id}/status`, { status: 'processing' }, { secret, nonce, key: a.key, timestamp })).status).toBe(200)
    const replay = await callback(`/api/analyses/${y.id}/status`, { status: 'processing' }, { secret, nonce, key: a.key, timestamp })
    expect(replay.status).toBe(401)
  })

  it('requires a nonce with ML_REQUIRE_NONCE=true', async () => {
    const { analysis } = await scenario()
    const path = `/api/analyses/${analysis.id}/status`
    const without = await fetchWithEnv(await signedRequest('PATCH', path, { status: 'processing' }), { ML_REQUIRE_NONCE: 'true' })
    expect(without.status).toBe(401)
    expect((await without.json<Envelope>()).error.code).toBe('nonce_required')
    const withNonce = await fetchWithEnv(await signedRequest('PATCH', path, { status: 'processing' }, { nonce: crypto.randomUUID() }), { ML_REQUIRE_NONCE: 'true' })
    expect(withNonce.status).toBe(200)
  })
})

describe('rate limits', () => {
  it('answers one key’s burst with 429 and Retry-After while another key keeps working (exact, per key)', async () => {
    const { a, b } = await pipelineWorld()
    const as = (key: string) => fetchWithEnv(request('/api/pipelines/me', { headers: { 'X-API-Key': key } }), { ML_RATE_LIMIT_PIPELINE_KEY_PER_MINUTE: '5' })
    const burst = await Promise.all(Array.from({ length: 8 }, () => as(a.key)))
    expect(burst.filter((r) => r.status === 200)).toHaveLength(5)
    const limited = burst.find((r) => r.status === 429)!
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited', details: { scope: 'pipeline key' } } })
    expect((await as(b.key)).status).toBe(200)
  })

  it('limits each user token through the rate-limiting binding, one token never throttling another', async () => {
    const [ada, bob] = [await createUser('ada'), await createUser('bob')]
    const tight = { RATE_LIMIT_USER: env.TEST_TIGHT_LIMIT } as unknown as Record<string, string>
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await fetchWithEnv(request('/api/projects', { token: ada.token }), tight)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await fetchWithEnv(request('/api/projects', { token: ada.token }), tight)
    expect(limited.headers.get('Retry-After')).toBe('60')
    expect((await fetchWithEnv(request('/api/projects', { token: bob.token }), tight)).status).toBe(200)
  })

  it('limits anonymous traffic per client address', async () => {
    const tight = { RATE_LIMIT_ANONYMOUS: env.TEST_TIGHT_LIMIT } as unknown as Record<string, string>
    const [one, two] = [ip(), ip()]
    const from = (address: string) => fetchWithEnv(request('/api/health', { headers: { 'CF-Connecting-IP': address } }), tight)
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await from(one)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    expect((await from(two)).status).toBe(200)
  })

  it('answers failed signatures past the limit with 429 and stops auditing them', async () => {
    const { analysis } = await scenario()
    const tight = { RATE_LIMIT_FAILED_AUTH: env.TEST_TIGHT_LIMIT } as unknown as Record<string, string>
    const address = ip()
    const statuses = []
    for (let i = 0; i < 5; i++) {
      const req = await withHeaders(await signedRequest('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' }, { secret: 'wrong' }), { ip: address })
      statuses.push((await fetchWithEnv(req, tight)).status)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    const audited = await auditRows("target_id = ? AND action = 'callback.rejected'", analysis.id)
    expect(audited).toHaveLength(3)
    // A good signature from the same address is not held back by its failures.
    const good = await withHeaders(await signedRequest('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' }), { ip: address })
    expect((await fetchWithEnv(good, tight)).status).toBe(200)
  })
})

describe('the project audit trail', () => {
  it('shows owners failed signatures, key creation and use, and grants, filtered and paginated', async () => {
    const { a, owner, image, project } = await pipelineWorld()
    const created = await createAsPipeline(a, image.id)
    const address = ip()
    await callback(`/api/analyses/${created.id}/status`, { status: 'processing' }, { secret: 'nope', ip: address })
    await callback(`/api/analyses/${created.id}/status`, { status: 'processing' }, { secret: created.callback.secret })
    const audit = (q = '') => api(`/api/projects/${project.id}/audit${q}`, { token: owner.token }).then((r) => r.json<{ entries: { id: number; action: string; actor_type: string; details: Record<string, unknown> | null }[]; next_cursor: number | null }>())
    const all = await audit()
    const actions = all.entries.map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['pipeline_key.created', 'pipeline_key.used', 'pipeline.granted', 'analysis.created', 'callback.rejected', 'analysis.status']))
    const rejected = await audit('?kind=callback.rejected')
    expect(rejected.entries).toHaveLength(1)
    expect(rejected.entries[0]!.details).toMatchObject({ ip: address, code: 'signature_invalid' })
    expect((await audit('?kind=pipeline_key')).entries.map((e) => e.action).sort()).toEqual(['pipeline_key.created', 'pipeline_key.created', 'pipeline_key.used'])
    expect((await audit(`?actor=pipeline:${a.id}`)).entries.every((e) => e.actor_type === 'pipeline')).toBe(true)
    expect((await audit(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).entries).toEqual([])
    const first = await audit('?limit=2')
    expect(first.entries).toHaveLength(2)
    const second = await audit(`?limit=2&cursor=${first.next_cursor}`)
    expect(second.entries[0]!.id).toBeLessThan(first.entries[1]!.id)
    const summary = await (await api(`/api/projects/${project.id}/audit/summary`, { token: owner.token })).json<{ rejected_by_pipeline: { pipeline_id: string; count: number }[] }>()
    expect(summary.rejected_by_pipeline).toEqual([expect.objectContaining({ pipeline_id: a.id, count: 1 })])
  })

  it('keeps rows younger than ML_AUDIT_RETENTION_DAYS and deletes older ones on the cron trigger', async () => {
    const marker = crypto.randomUUID()
    const old = new Date(Date.now() - 91 * 86_400_000).toISOString()
    await env.DB.batch([
      env.DB.prepare("INSERT INTO audit_log (actor_type, action, target_id, at) VALUES ('system', 'test.old', ?, ?)").bind(marker, old),
      env.DB.prepare("INSERT INTO audit_log (actor_type, action, target_id) VALUES ('system', 'test.new', ?)").bind(marker),
    ])
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '17 3 * * *' }), env)
    await waitOnExecutionContext(ctx)
    expect((await auditRows('target_id = ?', marker)).map((r) => r.action)).toEqual(['test.new'])
  })
})

