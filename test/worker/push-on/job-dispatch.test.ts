import { exports } from 'cloudflare:workers'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { api, createProject, createUser, signedRequest } from '../helpers'
import { deliveryRows, eventually, RECEIVER, received, webhookSecret } from '../dispatch-helpers'
import { createJob, getJob, jobRow, type Envelope } from '../jobs-helpers'
import { grant, registerPipeline } from '../pipeline-helpers'

/**
 * Jobs pushed by their own objects, with push on in the bindings (this project's settings): once a
 * job is runnable it goes on the real DISPATCH queue to the granted pipeline that declares its kind,
 * the Worker's consumer delivers it to the receiver on loopback, and `standardwebhooks` checks it.
 */
const deliveries = (runId: string) => deliveryRows(runId).then((rows) => rows.map(({ event, outcome, pipeline_id }) => ({ event, outcome, pipeline_id })))

/** A job callback signed with the shared test secret, or `secret`, sent with a pipeline key when given. */
async function jobCallback(method: string, path: string, payload: unknown, opts: { secret?: string; key?: string } = {}) {
  const req = await signedRequest(method, path, payload, { secret: opts.secret, nonce: crypto.randomUUID() })
  const headers = new Headers(req.headers)
  if (opts.key) headers.set('X-API-Key', opts.key)
  return exports.default.fetch(new Request(req, { headers }))
}

/** An owner, a project, and a granted pipeline for `rescorer` whose webhook is `ok/tag` and which declares `jobKinds`. */
async function jobWorld(jobKinds: string[]) {
  const tag = crypto.randomUUID()
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const trainer = await registerPipeline(owner, { name: 'trainer', model_names: ['rescorer'], job_kinds: jobKinds, webhook_url: `${RECEIVER}/ok/${tag}` })
  await grant(owner, project.id, trainer.id)
  const secret = await webhookSecret(owner, trainer.id)
  return { tag, owner, project, trainer, secret }
}

async function runToEnd(jobId: string) {
  expect((await jobCallback('PATCH', `/api/jobs/${jobId}/status`, { status: 'processing', stage: 'fit' })).status).toBe(200)
  expect((await jobCallback('POST', `/api/jobs/${jobId}/finalize`, { status: 'completed' })).status).toBe(200)
}

describe('job dispatch', () => {
  it('pushes a runnable job to the pipeline that declares its kind, which then holds it: its key and the delivered credential drive the job, another key finds no job', async () => {
    const w = await jobWorld(['training'])
    const other = await registerPipeline(w.owner, { name: 'other', model_names: ['rescorer'], job_kinds: ['training'] })
    await grant(w.owner, w.project.id, other.id)
    const job = await createJob(w.owner, w.project.id, { kind: 'training', model_name: 'rescorer', parameters: { epochs: 3 } })

    const [hit] = await eventually(() => received(w.tag), (r) => r.length >= 1)
    const payload = new Webhook(w.secret).verify(hit!.body, hit!.headers) as any
    expect(payload.type).toBe('job.runnable')
    expect(payload.data.job).toMatchObject({ id: job.id, kind: 'training', model_name: 'rescorer', parameters: { epochs: 3 }, status: 'queued' })
    expect(payload.data.job.runnable_at).not.toBeNull()
    expect(payload.data.callback.base_url).toMatch(new RegExp(`/api/jobs/${job.id}$`))

    expect((await jobRow(job.id))!.pipeline_id).toBe(w.trainer.id)
    expect((await getJob(w.owner, job.id)).pipeline_id).toBe(w.trainer.id)
    expect((await deliveries(job.id)).map((d) => [d.event, d.outcome, d.pipeline_id])).toEqual([['job.runnable', 'delivered', w.trainer.id]])
    // The job's delivery log, and a redelivery as a new message to the same endpoint.
    const log = await api(`/api/jobs/${job.id}/deliveries`, { token: w.owner.token })
    expect(log.status).toBe(200)
    const [logged] = (await log.json<{ deliveries: { id: string; run_kind: string; event: string; outcome: string }[] }>()).deliveries
    expect(logged).toMatchObject({ run_kind: 'job', event: 'job.runnable', outcome: 'delivered' })
    const again = await api(`/api/deliveries/${logged!.id}/redeliver`, { method: 'POST', token: w.owner.token })
    expect(again.status).toBe(202)
    const twice = await eventually(() => received(w.tag), (r) => r.length >= 2)
    expect(twice[1]!.headers['webhook-id']).not.toBe(hit!.headers['webhook-id'])
    const outsider = await createUser('outsider')
    expect((await api(`/api/jobs/${job.id}/deliveries`, { token: outsider.token })).status).toBe(404)

    // The credential the delivery carried signs for this job with no key and no shared secret.
    const started = await jobCallback('PATCH', `/api/jobs/${job.id}/status`, { status: 'processing', stage: 'fit' }, { secret: payload.data.callback.secret })
    expect(started.status).toBe(200)
    // The holder's key works on the job's callbacks; another granted pipeline's key finds nothing.
    const progress = await jobCallback('POST', `/api/jobs/${job.id}/progress`, { progress: 0.5, stage: 'fit' }, { key: w.trainer.key })
    expect(progress.status).toBe(200)
    const stranger = await jobCallback('POST', `/api/jobs/${job.id}/progress`, { progress: 0.6, stage: 'fit' }, { key: other.key })
    expect(stranger.status).toBe(404)
    expect((await stranger.json<Envelope>()).error.message).toMatch(/^Job /)
    const done = await jobCallback('POST', `/api/jobs/${job.id}/finalize`, { status: 'completed' }, { key: w.trainer.key })
    expect(done.status).toBe(200)
    expect((await getJob(w.owner, job.id)).status).toBe('completed')
  })

  it('hands a waiting job over only when it gets its slot, and pushes nothing for a kind no pipeline declares', async () => {
    const w = await jobWorld(['training'])
    const first = await createJob(w.owner, w.project.id, { kind: 'training', model_name: 'rescorer' })
    const second = await createJob(w.owner, w.project.id, { kind: 'training', model_name: 'rescorer' })
    const verifying = await createJob(w.owner, w.project.id, { kind: 'verification', model_name: 'rescorer' })
    await eventually(() => received(w.tag), (r) => r.length >= 1)
    // The project runs one job at a time: the second waits, unpushed and unheld.
    expect(await deliveries(second.id)).toEqual([])
    expect((await jobRow(second.id))!.pipeline_id).toBeNull()

    await runToEnd(first.id)
    const hits = await eventually(() => received(w.tag), (r) => r.length >= 2)
    const types = hits.map((h) => new Webhook(w.secret).verify(h.body, h.headers) as any).map((p) => [p.type, p.data.job.id])
    expect(types).toEqual([['job.runnable', first.id], ['job.runnable', second.id]])
    expect((await jobRow(second.id))!.pipeline_id).toBe(w.trainer.id)

    // `verification` got the next slot, but the trainer does not declare it: nobody is handed it.
    await runToEnd(second.id)
    await eventually(() => getJob(w.owner, verifying.id), (j) => j.runnable_at !== null)
    await new Promise((r) => setTimeout(r, 1500))
    expect(await deliveries(verifying.id)).toEqual([])
    expect((await jobRow(verifying.id))!.pipeline_id).toBeNull()
    expect(await received(w.tag)).toHaveLength(2)
  })

  it('tells the pipeline that was handed a job when a person cancels it', async () => {
    const w = await jobWorld(['training'])
    const job = await createJob(w.owner, w.project.id, { kind: 'training', model_name: 'rescorer' })
    await eventually(() => received(w.tag), (r) => r.length >= 1)
    const cancel = await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', token: w.owner.token })
    expect(cancel.status).toBe(200)
    const hits = await eventually(() => received(w.tag), (r) => r.length >= 2)
    const last = new Webhook(w.secret).verify(hits[1]!.body, hits[1]!.headers) as any
    expect(last.type).toBe('job.canceled')
    expect(last.data.job).toMatchObject({ id: job.id, status: 'canceled' })
  })
})
