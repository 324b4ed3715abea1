import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { addMember, api, createProject, createUser, signed } from './helpers'
import { createJob, finishJob, getJob, jobRow, startJob, type Envelope, type Job } from './jobs-helpers'

async function project() {
  const owner = await createUser('owner')
  const p = await createProject(owner)
  return { owner, project: p }
}

describe('job lifecycle', () => {
  it('a created job is queued, holds the free slot, and runs to completed through signed callbacks', async () => {
    const { owner, project: p } = await project()
    const job = await createJob(owner, p.id, { parameters: { epochs: 3 } })
    expect(job).toMatchObject({ status: 'queued', kind: 'training', model_name: 'rescorer', project_id: p.id, progress: 0, queue_position: null })
    expect(job.runnable_at).not.toBeNull()

    const started = await startJob(job.id)
    expect(started.status).toBe(200)
    expect(await started.json<Job>()).toMatchObject({ status: 'processing', stage: 'fit' })

    const progress = await signed('POST', `/api/jobs/${job.id}/progress`, { progress: 0.5, stage: 'eval', message: 'epoch 2' })
    expect(progress.status).toBe(200)
    expect(await progress.json<Job>()).toMatchObject({ progress: 0.5, stage: 'eval' })

    const logs = await signed('POST', `/api/jobs/${job.id}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'epoch 1 loss 0.9' }, { ts: new Date().toISOString(), level: 'info', message: 'epoch 2 loss 0.5' }] })
    expect(logs.status).toBe(200)

    const done = await finishJob(job.id)
    expect(done.status).toBe(200)
    expect(await done.json<Job>()).toMatchObject({ status: 'completed', progress: 1 })

    const read = await getJob(owner, job.id)
    expect(read).toMatchObject({ status: 'completed' })
    expect(read.completed_at).not.toBeNull()
    expect(await jobRow(job.id)).toMatchObject({ status: 'completed' })

    const text = await api(`/api/jobs/${job.id}/logs?format=text`, { token: owner.token })
    expect(await text.text()).toContain('epoch 2 loss 0.5')
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? AND target_type = 'job' ORDER BY rowid").bind(job.id).all<{ action: string }>()
    expect(audit.results.map((r) => r.action)).toEqual(expect.arrayContaining(['job.created', 'job.status', 'job.finalized']))
  })

  it('a finished job refuses further progress with job_finalized and keeps its fields', async () => {
    const { owner, project: p } = await project()
    const job = await createJob(owner, p.id)
    await startJob(job.id)
    await finishJob(job.id, 'failed')
    const late = await signed('POST', `/api/jobs/${job.id}/progress`, { progress: 0.9 })
    expect(late.status).toBe(409)
    expect((await late.json<Envelope>()).error.code).toBe('job_finalized')
    const again = await signed('PATCH', `/api/jobs/${job.id}/status`, { status: 'processing' })
    expect(again.status).toBe(409)
    expect((await getJob(owner, job.id)).status).toBe('failed')
  })

  it('an illegal move is 409 illegal_transition, as for analyses; moving to the current status is a no-op 200', async () => {
    const { owner, project: p } = await project()
    const job = await createJob(owner, p.id)
    const same = await signed('PATCH', `/api/jobs/${job.id}/status`, { status: 'queued' })
    expect(same.status).toBe(200)
    await startJob(job.id)
    const back = await signed('PATCH', `/api/jobs/${job.id}/status`, { status: 'queued' })
    expect(back.status).toBe(409)
    expect((await back.json<Envelope>()).error.code).toBe('illegal_transition')
  })

  it('a canceled job answers the pipeline 409 job_canceled; only editors and owners may cancel', async () => {
    const { owner, project: p } = await project()
    const viewer = await createUser('viewer')
    await addMember(owner, p.id, viewer, 'viewer')
    const job = await createJob(owner, p.id)
    await startJob(job.id)
    const refused = await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', token: viewer.token })
    expect(refused.status).toBe(403)
    const canceled = await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', token: owner.token })
    expect(canceled.status).toBe(200)
    expect(await canceled.json<Job>()).toMatchObject({ status: 'canceled' })
    const late = await signed('POST', `/api/jobs/${job.id}/progress`, { progress: 0.2 })
    expect(late.status).toBe(409)
    expect((await late.json<Envelope>()).error.code).toBe('job_canceled')
    // As for analyses, canceling again is a no-op that bumps nothing.
    const version = (await getJob(owner, job.id)).version
    const twice = await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', token: owner.token })
    expect(twice.status).toBe(200)
    expect(await twice.json<Job>()).toMatchObject({ status: 'canceled', version })
  })

  it('a stranger sees no job: 404 on read, cancel and list', async () => {
    const { owner, project: p } = await project()
    const stranger = await createUser('stranger')
    const job = await createJob(owner, p.id)
    expect((await api(`/api/jobs/${job.id}`, { token: stranger.token })).status).toBe(404)
    expect((await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', token: stranger.token })).status).toBe(404)
    expect((await api(`/api/projects/${p.id}/jobs`, { token: stranger.token })).status).toBe(404)
  })

  it('lists jobs newest first, filtered by kind and status, paginated', async () => {
    const { owner, project: p } = await project()
    await api(`/api/projects/${p.id}/settings`, { method: 'PATCH', token: owner.token, json: { job_concurrency: 5 } })
    const a = await createJob(owner, p.id, { kind: 'training' })
    const b = await createJob(owner, p.id, { kind: 'evaluation', model_version: '1' })
    const c = await createJob(owner, p.id, { kind: 'training' })
    await startJob(c.id)
    const all = await (await api(`/api/projects/${p.id}/jobs`, { token: owner.token })).json<{ jobs: Job[]; total: number }>()
    expect(all.total).toBe(3)
    expect(all.jobs.map((j) => j.id)).toEqual([c.id, b.id, a.id])
    const training = await (await api(`/api/projects/${p.id}/jobs?kind=training`, { token: owner.token })).json<{ jobs: Job[]; total: number }>()
    expect(training.jobs.map((j) => j.id)).toEqual([c.id, a.id])
    const processing = await (await api(`/api/projects/${p.id}/jobs?status=processing`, { token: owner.token })).json<{ jobs: Job[] }>()
    expect(processing.jobs.map((j) => j.id)).toEqual([c.id])
    const page = await (await api(`/api/projects/${p.id}/jobs?skip=1&limit=1`, { token: owner.token })).json<{ jobs: Job[]; total: number }>()
    expect(page).toMatchObject({ total: 3 })
    expect(page.jobs.map((j) => j.id)).toEqual([b.id])
  })
})

describe('job creation refuses bad input with the envelope and writes nothing', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown kind', { kind: 'painting', model_name: 'x' }, 'kind'],
    ['no model_name', { kind: 'training' }, 'model_name'],
    ['a batch without a model_version', { kind: 'batch_inference', model_name: 'x' }, 'model_version'],
    ['images on a training job', { kind: 'training', model_name: 'x', inputs: { images: { image_ids: [crypto.randomUUID()] } } }, 'inputs'],
    ['a priority out of range', { kind: 'training', model_name: 'x', priority: 5000 }, 'priority'],
    ['a dataset in an unknown format', { kind: 'training', model_name: 'x', inputs: { dataset: { format: 'voc' } } }, 'inputs'],
  ]
  for (const [what, body, field] of cases) {
    it(`${what}: 400 validation_error naming ${field}`, async () => {
      const { owner, project: p } = await project()
      const res = await api(`/api/projects/${p.id}/jobs`, { method: 'POST', token: owner.token, json: body })
      expect(res.status).toBe(400)
      const err = (await res.json<Envelope>()).error
      expect(err.code).toBe('validation_error')
      expect(JSON.stringify(err)).toContain(field)
      const n = await env.DB.prepare('SELECT count(*) AS n FROM jobs WHERE project_id = ?').bind(p.id).first<{ n: number }>()
      expect(n?.n).toBe(0)
    })
  }

  it('a batch over images that are not the project’s: 400, and neither job nor snapshot is written', async () => {
    const { owner, project: p } = await project()
    const res = await api(`/api/projects/${p.id}/jobs`, {
      method: 'POST',
      token: owner.token,
      json: { kind: 'batch_inference', model_name: 'x', model_version: '1', inputs: { images: { image_ids: [crypto.randomUUID()] }, dataset: { format: 'coco' } } },
    })
    expect(res.status).toBe(400)
    const rows = await env.DB.batch([
      env.DB.prepare('SELECT count(*) AS n FROM jobs WHERE project_id = ?').bind(p.id),
      env.DB.prepare('SELECT count(*) AS n FROM dataset_snapshots WHERE project_id = ?').bind(p.id),
    ])
    expect(rows.map((r) => (r.results[0] as { n: number }).n)).toEqual([0, 0])
  })

  it('a viewer may not create a job: 403', async () => {
    const { owner, project: p } = await project()
    const viewer = await createUser('viewer')
    await addMember(owner, p.id, viewer, 'viewer')
    const res = await api(`/api/projects/${p.id}/jobs`, { method: 'POST', token: viewer.token, json: { kind: 'training', model_name: 'x' } })
    expect(res.status).toBe(403)
  })

  it('a bad signature on a job callback is 401 and changes nothing', async () => {
    const { owner, project: p } = await project()
    const job = await createJob(owner, p.id)
    const res = await signed('PATCH', `/api/jobs/${job.id}/status`, { status: 'processing' }, { secret: 'wrong' })
    expect(res.status).toBe(401)
    expect((await getJob(owner, job.id)).status).toBe('queued')
  })
})
