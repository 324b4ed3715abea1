import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { exports } from 'cloudflare:workers'
import { analysisStub, api, createProject, createUser, signedRequest, uploadImage } from '../helpers'
import { deliveryRows, eventually, RECEIVER, received, webhookSecret } from '../dispatch-helpers'
import { grant, registerPipeline } from '../pipeline-helpers'

/**
 * How a run's end reaches endpoints, with push on in the bindings (the run's object sends these):
 * the worker a run was pushed to hears of its cancel, whoever or whatever canceled it, and
 * endpoints that subscribed to lifecycle events hear how runs ended, without a credential.
 */
async function world() {
  const tag = crypto.randomUUID()
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  const worker = await registerPipeline(owner, { name: 'pushed-to', model_names: ['push_*'], webhook_url: `${RECEIVER}/ok/${tag}` })
  await grant(owner, project.id, worker.id)
  const secret = await webhookSecret(owner, worker.id)
  const analysis = async (headers: Record<string, string> = {}) => {
    const res = await api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, headers, json: { model_name: 'push_det', model_version: '1' } })
    expect(res.status).toBe(201)
    return (await res.json<{ id: string }>()).id
  }
  return { tag, owner, project, worker, secret, analysis }
}

const verified = (secret: string, hit: { body: string; headers: Record<string, string> }) => new Webhook(secret).verify(hit.body, hit.headers) as any

describe('lifecycle deliveries', () => {
  it('tells the worker a run was pushed to when a person cancels it, and when its deadline does', async () => {
    const w = await world()
    const byPerson = await w.analysis()
    await eventually(() => deliveryRows(byPerson), (r) => r.some((d) => d.outcome === 'delivered'))
    expect((await api(`/api/analyses/${byPerson}/cancel`, { method: 'POST', token: w.owner.token })).status).toBe(200)
    const hits = await eventually(() => received(w.tag), (r) => r.length >= 2)
    const canceled = verified(w.secret, hits[1]!)
    expect(canceled.type).toBe('analysis.canceled')
    expect(canceled.data.analysis).toMatchObject({ id: byPerson, status: 'canceled' })
    expect(canceled.data.callback).toBeUndefined()
    expect(hits[1]!.headers['webhook-id']).not.toBe(hits[0]!.headers['webhook-id'])

    const late = await w.analysis({ 'Cancel-After': '10m' })
    await eventually(() => deliveryRows(late), (r) => r.some((d) => d.outcome === 'delivered'))
    await runInDurableObject(analysisStub(late), (instance) => {
      ;(instance as unknown as { store: { update(p: object): void } }).store.update({ deadline_at: '2000-01-01T00:00:00.000Z' })
    })
    expect(await runDurableObjectAlarm(analysisStub(late))).toBe(true)
    const rows = await eventually(() => deliveryRows(late), (r) => r.some((d) => d.event === 'analysis.canceled' && d.outcome === 'delivered'))
    expect(rows.map((d) => d.pipeline_id)).toEqual([w.worker.id, w.worker.id])
  })

  it('delivers the end of a run to a pipeline that subscribed to it, without a credential, and nothing it did not ask for', async () => {
    const w = await world()
    const tag = crypto.randomUUID()
    const watcher = await registerPipeline(w.owner, { name: 'watcher', model_names: ['nothing'], webhook_url: `${RECEIVER}/ok/${tag}`, webhook_events: ['analysis.completed'] })
    await grant(w.owner, w.project.id, watcher.id)
    const secret = await webhookSecret(w.owner, watcher.id)

    const done = await w.analysis()
    const [work] = await eventually(() => received(w.tag), (r) => r.length >= 1)
    const credential = verified(w.secret, work!).data.callback.secret as string
    const finalize = await exports.default.fetch(await signedRequest('POST', `/api/analyses/${done}/finalize`, { status: 'completed' }, { secret: credential, nonce: crypto.randomUUID() }))
    expect(finalize.status).toBe(200)
    const [notice] = await eventually(() => received(tag), (r) => r.length >= 1)
    const event = verified(secret, notice!)
    expect(event.type).toBe('analysis.completed')
    expect(event.data.analysis).toMatchObject({ id: done, status: 'completed' })
    expect(event.data.callback).toBeUndefined()

    const canceled = await w.analysis()
    await eventually(() => deliveryRows(canceled), (r) => r.some((d) => d.outcome === 'delivered'))
    expect((await api(`/api/analyses/${canceled}/cancel`, { method: 'POST', token: w.owner.token })).status).toBe(200)
    await eventually(() => deliveryRows(canceled), (r) => r.some((d) => d.event === 'analysis.canceled'))
    expect((await received(tag)).length).toBe(1)

    const refused = await registerPipelineRaw(w.owner.token, { name: 'typo', model_names: ['x'], webhook_events: ['analysis.finished'] })
    expect(refused).toBe(400)
  })
})

async function registerPipelineRaw(token: string, json: unknown) {
  return (await api('/api/pipelines', { method: 'POST', token, json })).status
}

describe('an endpoint’s delivery log', () => {
  it('lists every attempt to a pipeline’s webhook across its runs for whoever registered it, who may also redeliver; a redelivered notice carries no credential', async () => {
    const w = await world()
    const first = await w.analysis()
    const second = await w.analysis()
    await eventually(() => Promise.all([deliveryRows(first), deliveryRows(second)]), (r) => r.every((rows) => rows.some((d) => d.outcome === 'delivered')))
    const res = await api(`/api/pipelines/${w.worker.id}/deliveries`, { token: w.owner.token })
    expect(res.status).toBe(200)
    const { deliveries } = await res.json<{ deliveries: { id: string; run_id: string; event: string }[] }>()
    expect(new Set(deliveries.map((d) => d.run_id))).toEqual(new Set([first, second]))
    const stranger = await createUser('stranger')
    expect((await api(`/api/pipelines/${w.worker.id}/deliveries`, { token: stranger.token })).status).toBe(404)

    expect((await api(`/api/analyses/${first}/cancel`, { method: 'POST', token: w.owner.token })).status).toBe(200)
    const rows = await eventually(() => deliveryRows(first), (r) => r.some((d) => d.event === 'analysis.canceled' && d.outcome === 'delivered'))
    const cancelRow = rows.find((d) => d.event === 'analysis.canceled')!
    expect((await api(`/api/deliveries/${cancelRow.id}/redeliver`, { method: 'POST', token: w.owner.token })).status).toBe(202)
    const hits = await eventually(() => received(w.tag), (r) => r.filter((h) => verified(w.secret, h).type === 'analysis.canceled').length >= 2)
    for (const hit of hits.filter((h) => verified(w.secret, h).type === 'analysis.canceled')) expect(verified(w.secret, hit).data.callback).toBeUndefined()
  })
})
