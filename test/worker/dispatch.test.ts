import { env } from 'cloudflare:workers'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { api, createProject, createUser, fetchWithEnv, request, uploadImage, type TestUser } from './helpers'
import { deliveryRows, eventually, RECEIVER, received, webhookSecret } from './dispatch-helpers'
import { grant, registerPipeline } from './pipeline-helpers'

/**
 * Push dispatch through the real DISPATCH queue: a person's create puts a run reference on the
 * queue, the Worker's own consumer delivers it to a receiver on loopback (test/support/webhook-receiver.global.ts),
 * signed as Standard Webhooks and checked here by the `standardwebhooks` package.
 */
const PUSH = { ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'true' }

/** An owner, a project with an image, and a granted pipeline for `push_*` whose webhook is `behaviour/tag`. */
async function pushWorld(behaviour: string) {
  const tag = crypto.randomUUID()
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  const pipeline = await registerPipeline(owner, { name: 'pusher', model_names: ['push_*'], webhook_url: `${RECEIVER}/${behaviour}/${tag}` })
  await grant(owner, project.id, pipeline.id)
  const secret = await webhookSecret(owner, pipeline.id)
  return { tag, owner, project, image, pipeline, secret }
}

async function createPushed(owner: TestUser, imageId: string, overrides: Record<string, string> = PUSH) {
  const res = await fetchWithEnv(
    request(`/api/images/${imageId}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'push_det', model_version: '1', parameters: { threshold: 0.4 } } }),
    overrides,
  )
  expect(res.status).toBe(201)
  return res.json<{ id: string }>()
}

describe('push dispatch', () => {
  it('delivers a create to the serving pipeline’s webhook, signed as Standard Webhooks, carrying the work and a credential for it alone', async () => {
    const w = await pushWorld('ok')
    const analysis = await createPushed(w.owner, w.image.id)
    const [hit] = await eventually(() => received(w.tag), (r) => r.length >= 1)
    const payload = new Webhook(w.secret).verify(hit!.body, hit!.headers) as any
    expect(payload.type).toBe('analysis.created')
    expect(payload.data.analysis).toMatchObject({ id: analysis.id, model_name: 'push_det', parameters: { threshold: 0.4 }, status: 'queued' })
    expect(payload.data.image.url).toMatch(/^http/)
    expect(payload.data.callback.base_url).toMatch(new RegExp(`/api/analyses/${analysis.id}$`))
    expect(hit!.headers['webhook-id']).toMatch(/^msg_/)
    expect(() => new Webhook(`whsec_${btoa('another secret entirely!')}`).verify(hit!.body, hit!.headers)).toThrow()

    // The credential in the delivery signs this analysis's callbacks.
    const body = JSON.stringify({ status: 'processing' })
    const ts = Math.floor(Date.now() / 1000).toString()
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(payload.data.callback.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${ts}.${body}`)))
    const sig = 'sha256=' + [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
    const res = await api(`/api/analyses/${analysis.id}/status`, { method: 'PATCH', body, headers: { 'Content-Type': 'application/json', 'X-ML-Signature': sig, 'X-ML-Timestamp': ts } })
    expect(res.status).toBe(200)

    const rows = await eventually(() => deliveryRows(analysis.id), (r) => r.length >= 1)
    expect(rows[0]).toMatchObject({ attempt: 1, outcome: 'delivered', response_status: 200, pipeline_id: w.pipeline.id, response_excerpt: 'receiver answered 200' })
    expect(rows[0]!.latency_ms).toBeGreaterThanOrEqual(0)
  })

  it('retries a receiver that fails twice with the same webhook-id, logging every attempt, and it succeeds the third time', async () => {
    const w = await pushWorld('flaky')
    const analysis = await createPushed(w.owner, w.image.id)
    const rows = await eventually(() => deliveryRows(analysis.id), (r) => r.some((d) => d.outcome === 'delivered'))
    expect(rows.map((d) => [d.attempt, d.outcome, d.response_status])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'delivered', 204],
    ])
    const hits = await received(w.tag)
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1)
    for (const h of hits) new Webhook(w.secret).verify(h.body, h.headers)
  }, 30_000)

  it('sends a message whose schedule is spent to the dead letters, and the log says so', async () => {
    const w = await pushWorld('down')
    const analysis = await createPushed(w.owner, w.image.id)
    const rows = await eventually(() => deliveryRows(analysis.id), (r) => r.some((d) => d.outcome === 'dead'))
    expect(rows.map((d) => d.outcome)).toEqual(['failed', 'failed', 'dead'])
    const log = await api(`/api/analyses/${analysis.id}/deliveries`, { token: w.owner.token })
    expect(log.status).toBe(200)
    expect((await log.json<{ deliveries: { outcome: string }[] }>()).deliveries[0]!.outcome).toBe('dead')
  }, 30_000)

  it('disables the endpoint on 410 Gone and pushes nothing more to it', async () => {
    const w = await pushWorld('gone')
    const first = await createPushed(w.owner, w.image.id)
    await eventually(() => deliveryRows(first.id), (r) => r.length >= 1)
    expect((await deliveryRows(first.id)).map((d) => d.outcome)).toEqual(['gone'])
    const p = await api(`/api/pipelines/${w.pipeline.id}`, { token: w.owner.token }).then((r) => r.json<{ webhook_disabled_at: string | null }>())
    expect(p.webhook_disabled_at).not.toBeNull()
    const second = await createPushed(w.owner, w.image.id)
    await new Promise((r) => setTimeout(r, 1500))
    expect(await deliveryRows(second.id)).toEqual([])
    expect(await received(w.tag)).toHaveLength(1)
  })

  it('treats a redirect as a failure and does not follow it', async () => {
    const w = await pushWorld('redirect')
    const analysis = await createPushed(w.owner, w.image.id)
    const rows = await eventually(() => deliveryRows(analysis.id), (r) => r.length >= 1)
    expect(rows[0]).toMatchObject({ outcome: 'failed', response_status: 302 })
  })

  it('signs with both webhook secrets while they rotate, so either one verifies', async () => {
    const w = await pushWorld('ok')
    const second = await webhookSecret(w.owner, w.pipeline.id)
    await createPushed(w.owner, w.image.id)
    const [hit] = await eventually(() => received(w.tag), (r) => r.length >= 1)
    expect(hit!.headers['webhook-signature']!.split(' ')).toHaveLength(2)
    new Webhook(w.secret).verify(hit!.body, hit!.headers)
    new Webhook(second).verify(hit!.body, hit!.headers)
  })

  it('redelivers on request as a new message, and hides the log and the action from people outside the project', async () => {
    const w = await pushWorld('ok')
    const analysis = await createPushed(w.owner, w.image.id)
    const [row] = await eventually(() => env.DB.prepare('SELECT id, webhook_id FROM deliveries WHERE run_id = ?').bind(analysis.id).all<{ id: string; webhook_id: string }>().then((r) => r.results), (r) => r.length >= 1)
    const res = await api(`/api/deliveries/${row!.id}/redeliver`, { method: 'POST', token: w.owner.token })
    expect(res.status).toBe(202)
    const { webhook_id } = await res.json<{ webhook_id: string }>()
    expect(webhook_id).not.toBe(row!.webhook_id)
    const hits = await eventually(() => received(w.tag), (r) => r.length >= 2)
    expect(hits.map((h) => h.headers['webhook-id'])).toEqual([row!.webhook_id, webhook_id])

    const stranger = await createUser('stranger')
    expect((await api(`/api/deliveries/${row!.id}/redeliver`, { method: 'POST', token: stranger.token })).status).toBe(404)
    expect((await api(`/api/analyses/${analysis.id}/deliveries`, { token: stranger.token })).status).toBe(404)
  })

  it('refuses a private or loopback webhook URL at registration unless loopback is allowed', async () => {
    const owner = await createUser('owner')
    for (const webhook_url of [`${RECEIVER}/ok/x`, 'http://169.254.169.254/latest', 'http://10.0.0.5/hook']) {
      const res = await fetchWithEnv(request('/api/pipelines', { method: 'POST', token: owner.token, json: { name: 'p', model_names: ['m'], webhook_url } }), { ML_WEBHOOK_ALLOW_LOOPBACK: 'false' })
      expect(res.status, webhook_url).toBe(400)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('validation_error')
    }
    const ok = await fetchWithEnv(request('/api/pipelines', { method: 'POST', token: owner.token, json: { name: 'p', model_names: ['m'], webhook_url: 'https://hooks.example.com/x' } }), { ML_WEBHOOK_ALLOW_LOOPBACK: 'false' })
    expect(ok.status).toBe(201)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM pipelines WHERE created_by_id = ?').bind(owner.id).first('n')).toBe(1)
  })

  it('pushes nothing when push is off, or when no pipeline serves the model', async () => {
    const w = await pushWorld('ok')
    const off = await createPushed(w.owner, w.image.id, {})
    const res = await fetchWithEnv(
      request(`/api/images/${w.image.id}/analyses`, { method: 'POST', token: w.owner.token, json: { model_name: 'unserved', model_version: '1' } }),
      PUSH,
    )
    const unserved = await res.json<{ id: string }>()
    await new Promise((r) => setTimeout(r, 1500))
    expect(await deliveryRows(off.id)).toEqual([])
    expect(await deliveryRows(unserved.id)).toEqual([])
    expect(await received(w.tag)).toEqual([])
  })
})
