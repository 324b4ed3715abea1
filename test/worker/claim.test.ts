import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, createProject, createUser, fetchWithEnv, request, signedRequest, uploadImage } from './helpers'
import { jobRow, type Envelope } from './jobs-helpers'
import { asPipeline, auditRows, grant, registerPipeline } from './pipeline-helpers'

/**
 * Pull dispatch against the real D1: pipeline keys claim queued analyses and runnable jobs, in
 * priority order, and no run is ever handed to two claimants, however many claim at once.
 */
interface Claimed {
  kind: 'analysis' | 'job'
  id: string
  lease: { token: string; expires_at: string }
  event: string
  data: any
}

const claim = (key: string, body: unknown = {}) => asPipeline(key, '/api/pipelines/claim', { method: 'POST', json: body })
const claimed = async (key: string, body: unknown = {}) => {
  const res = await claim(key, body)
  expect(res.status).toBe(200)
  return (await res.json<{ claimed: Claimed[] }>()).claimed
}

async function world() {
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  const a = await registerPipeline(owner, { name: 'puller-a', model_names: ['pull_*'], job_kinds: ['training'] })
  const b = await registerPipeline(owner, { name: 'puller-b', model_names: ['pull_*'], job_kinds: ['training'] })
  await grant(owner, project.id, a.id)
  await grant(owner, project.id, b.id)
  const analysis = async (priority = 0, model = 'pull_det') => {
    const res = await api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: model, model_version: '1', priority } })
    expect(res.status).toBe(201)
    return (await res.json<{ id: string }>()).id
  }
  return { owner, project, image, a, b, analysis }
}

/** A callback sent with a pipeline key (and a lease token), signed with the shared test secret. */
async function keyed(key: string, method: string, path: string, payload: unknown, lease?: string) {
  const req = await signedRequest(method, path, payload, { nonce: crypto.randomUUID() })
  const headers = new Headers(req.headers)
  headers.set('X-API-Key', key)
  if (lease) headers.set('X-ML-Lease', lease)
  return exports.default.fetch(new Request(req, { headers }))
}

describe('pull dispatch', () => {
  it('hands out queued analyses highest priority first, each once, with the work and a credential, and the claimant holds them', async () => {
    const w = await world()
    const low = await w.analysis(0)
    const high = await w.analysis(5)
    const mid = await w.analysis(2)
    await w.analysis(9, 'other_model')

    const first = await claimed(w.a.key, { limit: 2, kinds: ['analysis'] })
    expect(first.map((c) => c.id)).toEqual([high, mid])
    expect(first[0]).toMatchObject({ kind: 'analysis', event: 'analysis.created' })
    expect(first[0]!.data.analysis).toMatchObject({ id: high, model_name: 'pull_det', status: 'queued', priority: 5 })
    expect(first[0]!.data.image.url).toMatch(/^http/)
    expect(first[0]!.data.callback.secret).toMatch(/^mlcred_/)
    expect((await claimed(w.b.key, { limit: 5 })).map((c) => c.id)).toEqual([low])
    expect(await claimed(w.a.key, { limit: 5 })).toEqual([])

    // The claimant's key drives what it holds; the other pipeline's key finds nothing there.
    expect((await keyed(w.a.key, 'PATCH', `/api/analyses/${high}/status`, { status: 'processing' })).status).toBe(200)
    const stranger = await keyed(w.b.key, 'PATCH', `/api/analyses/${mid}/status`, { status: 'processing' })
    expect(stranger.status).toBe(404)
    expect((await stranger.json<Envelope>()).error.message).toMatch(/^Analysis /)
    expect((await auditRows("action = 'analysis.claimed' AND target_id = ?", high)).map((r) => r.pipeline_id)).toEqual([w.a.id])
  })

  it('never hands one run to two claimants, with 12 claims racing over 10 analyses', async () => {
    const w = await world()
    const ids = await Promise.all(Array.from({ length: 10 }, () => w.analysis()))
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => claimed(i % 2 ? w.a.key : w.b.key, { limit: 2, kinds: ['analysis'] })))
    const got = answers.flat().map((c) => c.id)
    expect(got).toHaveLength(10)
    expect(new Set(got).size).toBe(10)
    expect(new Set(got)).toEqual(new Set(ids))
    const holders = await env.DB.prepare(`SELECT pipeline_id FROM analyses WHERE id IN (${ids.map(() => '?').join(',')})`).bind(...ids).all<{ pipeline_id: string }>()
    expect(holders.results.every((r) => r.pipeline_id === w.a.id || r.pipeline_id === w.b.id)).toBe(true)
  })

  it('hands out a job once it is runnable, to a pipeline that declares its kind and serves its model', async () => {
    const w = await world()
    const create = async (kind: string) => {
      const res = await api(`/api/projects/${w.project.id}/jobs`, { method: 'POST', token: w.owner.token, json: { kind, model_name: 'pull_trainer' } })
      expect(res.status).toBe(201)
      return (await res.json<{ id: string }>()).id
    }
    const first = await create('training')
    const waiting = await create('training')
    const evaluation = await create('evaluation')
    const got = await claimed(w.a.key, { limit: 5, kinds: ['job'] })
    // One slot per project: the second training job waits, and nobody here declares evaluation.
    expect(got.map((c) => [c.kind, c.id, c.event])).toEqual([['job', first, 'job.runnable']])
    expect(got[0]!.data.job).toMatchObject({ id: first, kind: 'training', model_name: 'pull_trainer' })
    expect(got[0]!.data.callback.base_url).toMatch(new RegExp(`/api/jobs/${first}$`))
    expect((await jobRow(first))!.pipeline_id).toBe(w.a.id)
    expect((await jobRow(waiting))!.pipeline_id).toBeNull()
    expect((await jobRow(evaluation))!.pipeline_id).toBeNull()
    expect((await keyed(w.a.key, 'PATCH', `/api/jobs/${first}/status`, { status: 'processing', stage: 'fit' })).status).toBe(200)
  })

  it('leaves pushed analyses to the endpoint they went to, and refuses people, bad bodies and a deployment with pull off', async () => {
    const w = await world()
    const pushed = await w.analysis()
    await env.DB.prepare(
      "INSERT INTO deliveries (id, webhook_id, run_kind, run_id, event, endpoint_url, attempt, outcome) VALUES (?, 'msg_pushed', 'analysis', ?, 'analysis.created', 'https://hooks.example.com/x', 1, 'delivered')",
    )
      .bind(crypto.randomUUID(), pushed)
      .run()
    expect(await claimed(w.a.key, { kinds: ['analysis'] })).toEqual([])

    const person = await api('/api/pipelines/claim', { method: 'POST', token: w.owner.token, json: {} })
    expect(person.status).toBe(403)
    for (const body of [{ limit: 0 }, { limit: 21 }, { kinds: ['image'] }, { kinds: [] }]) {
      const res = await claim(w.a.key, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await res.json<Envelope>()).error.code).toBe('validation_error')
    }
    const off = await fetchWithEnv(request('/api/pipelines/claim', { method: 'POST', json: {}, headers: { 'X-API-Key': w.a.key } }), { ML_PIPELINE_PULL_ENABLED: 'false' })
    expect(off.status).toBe(403)
    expect((await off.json<Envelope>()).error.code).toBe('pull_disabled')
  })

  it('holds a claim for a lease: callbacks with its token renew it, an unstarted run whose lease ran out goes to the next claim, and the old token is fenced off', async () => {
    const w = await world()
    const id = await w.analysis()
    const [first] = await claimed(w.a.key, { kinds: ['analysis'] })
    expect(first!.lease.token).toMatch(/^lease_/)
    const leaseEnd = (table = 'analyses') => env.DB.prepare(`SELECT lease_expires_at AS e, claims FROM ${table} WHERE id = ?`).bind(id).first<{ e: string; claims: number }>()
    expect(Date.parse(first!.lease.expires_at) - Date.now()).toBeGreaterThan(250_000)
    // Nobody else gets it while the lease lasts.
    expect(await claimed(w.b.key, { kinds: ['analysis'] })).toEqual([])

    // A renewal moves the end; a callback carrying the token does the same.
    await env.DB.prepare("UPDATE analyses SET lease_expires_at = '2030-01-01T00:00:00.000Z' WHERE id = ?").bind(id).run()
    const renewed = await asPipeline(w.a.key, '/api/pipelines/claim/renew', { method: 'POST', json: { kind: 'analysis', id, token: first!.lease.token } })
    expect(renewed.status).toBe(200)
    expect((await leaseEnd())!.e < '2030').toBe(true)
    await env.DB.prepare("UPDATE analyses SET lease_expires_at = '2030-01-01T00:00:00.000Z' WHERE id = ?").bind(id).run()
    expect((await keyed(w.a.key, 'POST', `/api/analyses/${id}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'alive' }] }, first!.lease.token)).status).toBe(200)
    expect((await leaseEnd())!.e < '2030').toBe(true)

    // The worker dies before starting: once the lease has run out, the next claim takes the run.
    await env.DB.prepare("UPDATE analyses SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(id).run()
    const [second] = await claimed(w.b.key, { kinds: ['analysis'] })
    expect(second!.id).toBe(id)
    expect(second!.lease.token).not.toBe(first!.lease.token)
    expect((await leaseEnd())!.claims).toBe(2)

    // The first worker comes back: its token is fenced off, and nothing it sends changes the run.
    const stale = await keyed(w.a.key, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, first!.lease.token)
    expect(stale.status).toBe(404) // its key no longer holds the run either
    const staleRenew = await asPipeline(w.b.key, '/api/pipelines/claim/renew', { method: 'POST', json: { kind: 'analysis', id, token: first!.lease.token } })
    expect(staleRenew.status).toBe(409)
    expect((await staleRenew.json<Envelope>()).error.code).toBe('lease_lost')
    const viaCredential = await exports.default.fetch(
      await (async () => {
        const req = await signedRequest('PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, { secret: first!.data.callback.secret, nonce: crypto.randomUUID() })
        const headers = new Headers(req.headers)
        headers.set('X-ML-Lease', first!.lease.token)
        return new Request(req, { headers })
      })(),
    )
    expect(viaCredential.status).toBe(409)
    expect((await viaCredential.json<Envelope>()).error.code).toBe('lease_lost')
    expect((await env.DB.prepare('SELECT status FROM analyses WHERE id = ?').bind(id).first<{ status: string }>())!.status).toBe('queued')

    // The new holder works; a started run is not reclaimed however its lease stands.
    expect((await keyed(w.b.key, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, second!.lease.token)).status).toBe(200)
    await env.DB.prepare("UPDATE analyses SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(id).run()
    expect(await claimed(w.a.key, { kinds: ['analysis'] })).toEqual([])
  })

  it('stops handing out a run after ML_CLAIM_MAX_ATTEMPTS claims whose leases ran out', async () => {
    const w = await world()
    const id = await w.analysis()
    for (let i = 0; i < 3; i++) {
      expect((await claimed(i % 2 ? w.a.key : w.b.key, { kinds: ['analysis'] })).map((c) => c.id)).toEqual([id])
      await env.DB.prepare("UPDATE analyses SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(id).run()
    }
    expect(await claimed(w.a.key, { kinds: ['analysis'] })).toEqual([])
    expect((await auditRows("action = 'analysis.claimed' AND target_id = ?", id)).length).toBe(3)
  })
})
