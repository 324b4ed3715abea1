import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { analysisRow, analysisStub, api, createProject, createUser, signedRequest, uploadImage } from './helpers'
import type { Envelope } from './jobs-helpers'
import { asPipeline, grant, registerPipeline } from './pipeline-helpers'

/**
 * What a lease does once a run is claimed (docs/dispatch.md#leases): a worker that dies sends the
 * run back to the queue when its lease runs out, a worker that stops gives it back at once, and a
 * worker may claim one named run. The run's object fires at the lease's end; here the end is moved
 * into the past in both D1 and the object, and the alarm run at once.
 */
interface Claimed {
  kind: 'analysis' | 'job'
  id: string
  lease: { token: string; expires_at: string }
  data: any
}

async function world() {
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  const a = await registerPipeline(owner, { name: 'lease-a', model_names: ['lease_*'] })
  const b = await registerPipeline(owner, { name: 'lease-b', model_names: ['lease_*'] })
  await grant(owner, project.id, a.id)
  await grant(owner, project.id, b.id)
  const analysis = async (init: { headers?: Record<string, string>; json?: Record<string, unknown> } = {}) => {
    const res = await api(`/api/images/${image.id}/analyses`, {
      method: 'POST',
      token: owner.token,
      headers: init.headers,
      json: { model_name: 'lease_det', model_version: '1', ...init.json },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    return (await res.json<{ id: string; deadline_at: string | null }>())
  }
  return { owner, project, image, a, b, analysis }
}

const claimOne = async (key: string) => {
  const res = await asPipeline(key, '/api/pipelines/claim', { method: 'POST', json: { kinds: ['analysis'] } })
  expect(res.status).toBe(200)
  return (await res.json<{ claimed: Claimed[] }>()).claimed
}

async function keyed(key: string | null, method: string, path: string, payload: unknown, lease?: string) {
  const req = await signedRequest(method, path, payload, { nonce: crypto.randomUUID() })
  const headers = new Headers(req.headers)
  if (key) headers.set('X-API-Key', key)
  if (lease) headers.set('X-ML-Lease', lease)
  return exports.default.fetch(new Request(req, { headers }))
}

const PAST = '2000-01-01T00:00:00.000Z'

/** The lease ends now, as far as D1 (`inD1`) and the run's object know, and the object's alarm runs. */
async function lapse(id: string, { inD1 = true } = {}) {
  if (inD1) await env.DB.prepare('UPDATE analyses SET lease_expires_at = ? WHERE id = ?').bind(PAST, id).run()
  await runInDurableObject(analysisStub(id), (instance) => {
    ;(instance as unknown as { store: { update(p: object): void } }).store.update({ lease_expires_at: PAST })
  })
  expect(await runDurableObjectAlarm(analysisStub(id))).toBe(true)
}

const leaseRow = (id: string) =>
  env.DB.prepare('SELECT pipeline_id, lease_token, lease_expires_at, claims, status, status_reason FROM analyses WHERE id = ?')
    .bind(id)
    .first<{ pipeline_id: string | null; lease_token: string | null; claims: number; status: string; status_reason: string | null }>()

describe('leases', () => {
  it('sends a started run back to the queue when its worker’s lease runs out; the next worker gets it with a new token and the old one is fenced off', async () => {
    const w = await world()
    const { id } = await w.analysis()
    const [first] = await claimOne(w.a.key)
    expect((await keyed(w.a.key, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing', progress: 0.5, stage: 'infer' }, first!.lease.token)).status).toBe(200)

    await lapse(id)
    const row = await analysisRow(id)
    expect(row).toMatchObject({ status: 'queued', status_reason: 'lease_expired', progress: 0, stage: null, started_at: null })
    expect(await leaseRow(id)).toMatchObject({ pipeline_id: null, lease_token: null, claims: 1 })
    const stale = await keyed(null, 'POST', `/api/analyses/${id}/progress`, { progress: 0.9 }, first!.lease.token)
    expect(stale.status).toBe(409)
    expect((await stale.json<Envelope>()).error.code).toBe('lease_lost')

    const [second] = await claimOne(w.b.key)
    expect(second!.id).toBe(id)
    expect(second!.lease.token).not.toBe(first!.lease.token)
    expect((await keyed(w.b.key, 'POST', `/api/analyses/${id}/finalize`, { status: 'completed' }, second!.lease.token)).status).toBe(200)
    expect(await analysisRow(id)).toMatchObject({ status: 'completed', status_reason: null })
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? AND action LIKE 'analysis.%' ORDER BY id").bind(id).all<{ action: string }>()
    expect(audit.results.map((r) => r.action)).toContain('analysis.requeued')
  })

  it('keeps a lease a callback renewed, and fails a run whose workers died ML_CLAIM_MAX_ATTEMPTS times with the reason lease_expired', async () => {
    const w = await world()
    const { id } = await w.analysis()
    const [first] = await claimOne(w.a.key)
    expect((await keyed(w.a.key, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, first!.lease.token)).status).toBe(200)
    // The object wakes at the end it heard of, but D1 has a renewal: nothing moves.
    await lapse(id, { inD1: false })
    expect(await analysisRow(id)).toMatchObject({ status: 'processing' })
    expect((await leaseRow(id))!.lease_token).toBe(first!.lease.token)

    await env.DB.prepare('UPDATE analyses SET claims = 3 WHERE id = ?').bind(id).run()
    await lapse(id)
    expect(await analysisRow(id)).toMatchObject({ status: 'failed', status_reason: 'lease_expired' })
    expect((await analysisRow(id))!.error_message).toMatch(/lease expired 3 times/)
    expect((await leaseRow(id))!.pipeline_id).toBe(w.a.id)
  })

  it('gives a run back at once on release, without counting the claim; the token is spent', async () => {
    const w = await world()
    const { id } = await w.analysis()
    const [held] = await claimOne(w.a.key)
    expect((await keyed(w.a.key, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, held!.lease.token)).status).toBe(200)
    const release = (key: string, token: string) => asPipeline(key, '/api/pipelines/claim/release', { method: 'POST', json: { kind: 'analysis', id, token } })
    expect((await release(w.b.key, held!.lease.token)).status).toBe(404)
    const res = await release(w.a.key, held!.lease.token)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ kind: 'analysis', id, status: 'queued', status_reason: 'released' })
    expect(await leaseRow(id)).toMatchObject({ pipeline_id: null, lease_token: null, claims: 0, status: 'queued', status_reason: 'released' })
    const again = await release(w.a.key, held!.lease.token)
    expect(again.status).toBe(409)
    expect((await again.json<Envelope>()).error.code).toBe('lease_lost')
    expect((await claimOne(w.b.key)).map((c) => c.id)).toEqual([id])
  })

  it('claims one named analysis with a pipeline key or the shared signature, once', async () => {
    const w = await world()
    const { id } = await w.analysis()
    const res = await asPipeline(w.a.key, `/api/analyses/${id}/claim`, { method: 'POST', json: {} })
    expect(res.status).toBe(200)
    const got = await res.json<Claimed>()
    expect(got).toMatchObject({ kind: 'analysis', id, event: 'analysis.created' })
    expect(got.data.callback.secret).toMatch(/^mlcred_/)
    const twice = await asPipeline(w.b.key, `/api/analyses/${id}/claim`, { method: 'POST', json: {} })
    expect(twice.status).toBe(409)
    expect((await twice.json<Envelope>()).error.code).toBe('already_claimed')
    expect((await claimOne(w.b.key)).length).toBe(0)

    // A guide-era pipeline signs the claim with the shared secret; it then holds only the lease.
    const other = (await w.analysis()).id
    const signed = await keyed(null, 'POST', `/api/analyses/${other}/claim`, {})
    expect(signed.status).toBe(200)
    const lease = (await signed.json<Claimed>()).lease.token
    expect((await keyed(null, 'PATCH', `/api/analyses/${other}/status`, { status: 'processing' }, lease)).status).toBe(200)
    expect((await keyed(null, 'POST', `/api/analyses/${other}/claim`, {})).status).toBe(409)
    const unsigned = await api(`/api/analyses/${other}/claim`, { method: 'POST', json: {} })
    expect(unsigned.status).toBe(401)

    const stranger = await registerPipeline(w.owner, { name: 'stranger', model_names: ['lease_*'] })
    const third = (await w.analysis()).id
    expect((await asPipeline(stranger.key, `/api/analyses/${third}/claim`, { method: 'POST', json: {} })).status).toBe(404)
    const wrongModel = await registerPipeline(w.owner, { name: 'wrong-model', model_names: ['other_*'] })
    await grant(w.owner, w.project.id, wrongModel.id)
    const refused = await asPipeline(wrongModel.key, `/api/analyses/${third}/claim`, { method: 'POST', json: {} })
    expect(refused.status).toBe(403)
    expect((await refused.json<Envelope>()).error.code).toBe('model_not_served')
  })

  it('long-polls: an idle claim waits, and one waiting answers as soon as work arrives', async () => {
    const w = await world()
    const started = Date.now()
    const idle = await asPipeline(w.a.key, '/api/pipelines/claim', { method: 'POST', json: { kinds: ['analysis'], wait_seconds: 2 } })
    expect(idle.status).toBe(200)
    expect((await idle.json<{ claimed: unknown[] }>()).claimed).toEqual([])
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500)

    const waiting = asPipeline(w.a.key, '/api/pipelines/claim', { method: 'POST', json: { kinds: ['analysis'], wait_seconds: 20 } })
    await new Promise((r) => setTimeout(r, 600))
    const { id } = await w.analysis()
    const at = Date.now()
    const res = await waiting
    expect((await res.json<{ claimed: Claimed[] }>()).claimed.map((c) => c.id)).toEqual([id])
    expect(Date.now() - at).toBeLessThan(5000)
    expect((await asPipeline(w.a.key, '/api/pipelines/claim', { method: 'POST', json: { wait_seconds: 21 } })).status).toBe(400)
  })
})

describe('deadlines', () => {
  it('takes a deadline or Cancel-After at creation and refuses one that cannot be met', async () => {
    const w = await world()
    const viaHeader = await w.analysis({ headers: { 'Cancel-After': '1h30m' } })
    expect(Date.parse(viaHeader.deadline_at!) - Date.now()).toBeGreaterThan(5_300_000)
    const at = new Date(Date.now() + 60_000).toISOString()
    expect((await w.analysis({ json: { deadline: at } })).deadline_at).toBe(at)
    for (const [headers, json] of [
      [{ 'Cancel-After': 'soon' }, {}],
      [{ 'Cancel-After': '1s' }, {}],
      [{}, { deadline: '2000-01-01T00:00:00Z' }],
      [{ 'Cancel-After': '5m' }, { deadline: at }],
    ] as const) {
      const res = await api(`/api/images/${w.image.id}/analyses`, { method: 'POST', token: w.owner.token, headers, json: { model_name: 'lease_det', model_version: '1', ...json } })
      expect(res.status, JSON.stringify([headers, json])).toBe(400)
      expect((await res.json<Envelope>()).error.code).toBe('validation_error')
    }
  })

  it('cancels work not done by its deadline with the reason deadline, and its worker hears it on the next renewal', async () => {
    const w = await world()
    const { id } = await w.analysis({ headers: { 'Cancel-After': '10m' } })
    const [held] = await claimOne(w.a.key)
    expect((await keyed(w.a.key, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, held!.lease.token)).status).toBe(200)
    await runInDurableObject(analysisStub(id), (instance) => {
      ;(instance as unknown as { store: { update(p: object): void } }).store.update({ deadline_at: PAST })
    })
    expect(await runDurableObjectAlarm(analysisStub(id))).toBe(true)
    expect(await analysisRow(id)).toMatchObject({ status: 'canceled', status_reason: 'deadline' })
    const renew = await asPipeline(w.a.key, '/api/pipelines/claim/renew', { method: 'POST', json: { kind: 'analysis', id, token: held!.lease.token } })
    expect(renew.status).toBe(409)
    expect((await renew.json<Envelope>()).error.code).toBe('analysis_canceled')

    const person = (await w.analysis()).id
    expect((await api(`/api/analyses/${person}/cancel`, { method: 'POST', token: w.owner.token })).status).toBe(200)
    expect(await analysisRow(person)).toMatchObject({ status: 'canceled', status_reason: 'user' })
  })
})
