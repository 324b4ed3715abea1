import { describe, expect, it } from 'vitest'
import { api, createProject, createUser, signed, uploadImage } from './helpers'
import { createJob, finishJob, getJob, runJobAlarm, startJob, type Envelope } from './jobs-helpers'

interface BatchSummary {
  total: number
  analyses: number
  queued: number
  processing: number
  completed: number
  failed: number
  canceled: number
  group_id: string
}

async function batch(images = 3) {
  const owner = await createUser('owner')
  const p = await createProject(owner)
  const ids: string[] = []
  for (let i = 0; i < images; i++) ids.push((await uploadImage(owner, p.id)).id)
  const job = await createJob(owner, p.id, { kind: 'batch_inference', model_name: 'det', model_version: '2' })
  return { owner, project: p, ids, job }
}

const box = { annotation_type: 'bounding_box', class_name: 'cat', confidence: 0.7, data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 } }

describe('batch_inference jobs', () => {
  it('covers every ready image, pages them to the pipeline, and creates one analysis per image in the job’s group', async () => {
    const { owner, ids, job } = await batch(3)
    expect(job.batch_total).toBe(3)
    await startJob(job.id)
    const first = await signed('POST', `/api/jobs/${job.id}/batch/images`, { limit: 2 })
    expect(first.status).toBe(200)
    const page1 = await first.json<{ images: { id: string; download_url: string; analysis: unknown }[]; total: number; next_cursor: string | null }>()
    expect(page1).toMatchObject({ total: 3 })
    expect(page1.images).toHaveLength(2)
    const page2 = await (await signed('POST', `/api/jobs/${job.id}/batch/images`, { limit: 2, cursor: page1.next_cursor })).json<typeof page1>()
    expect([...page1.images, ...page2.images].map((i) => i.id).sort()).toEqual([...ids].sort())

    const res = await signed('POST', `/api/jobs/${job.id}/batch/results`, { items: [{ image_id: ids[0], status: 'completed', annotations: [box] }, { image_id: ids[1] }] })
    expect(res.status).toBe(200)
    const out = await res.json<{ results: { image_id: string; created: boolean; analysis: { group_id: string; job_id: string; status: string } }[]; batch: BatchSummary }>()
    expect(out.results.map((r) => [r.created, r.analysis.status])).toEqual([
      [true, 'completed'],
      [true, 'queued'],
    ])
    expect(out.results[0]!.analysis).toMatchObject({ group_id: job.id, job_id: job.id })
    expect(out.batch).toMatchObject({ total: 3, analyses: 2, completed: 1, queued: 1 })
    expect((await getJob(owner, job.id)).progress).toBeCloseTo(1 / 3)

    // A retry finds the analyses it made.
    const retry = await (await signed('POST', `/api/jobs/${job.id}/batch/results`, { items: [{ image_id: ids[0] }] })).json<typeof out>()
    expect(retry.results[0]!.created).toBe(false)

    const exported = await api(`/api/jobs/${job.id}/export?format=coco`, { token: owner.token })
    expect(exported.status).toBe(200)
    expect(exported.headers.get('Content-Type')).toBe('application/zip')
  })

  it('an image outside the batch refuses the whole request and creates nothing', async () => {
    const { owner, ids, job } = await batch(1)
    await startJob(job.id)
    const res = await signed('POST', `/api/jobs/${job.id}/batch/results`, { items: [{ image_id: ids[0] }, { image_id: crypto.randomUUID() }] })
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.code).toBe('validation_error')
    expect((await getJob(owner, job.id)).batch).toMatchObject({ analyses: 0 })
  })

  it('ending the batch cancels the analyses it left open', async () => {
    const { owner, ids, job } = await batch(2)
    await startJob(job.id)
    await signed('POST', `/api/jobs/${job.id}/batch/results`, { items: ids.map((image_id) => ({ image_id })) })
    expect((await api(`/api/jobs/${job.id}/cancel`, { method: 'POST', token: owner.token })).status).toBe(200)
    await runJobAlarm(job.id)
    const detail = await getJob(owner, job.id)
    expect(detail.batch).toMatchObject({ analyses: 2, canceled: 2, queued: 0 })
    const late = await signed('POST', `/api/jobs/${job.id}/batch/results`, { items: [{ image_id: ids[0] }] })
    expect(late.status).toBe(409)
  })

  it('a training job has no batch: its batch callbacks answer 409', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const job = await createJob(owner, p.id)
    await startJob(job.id)
    expect((await signed('POST', `/api/jobs/${job.id}/batch/images`, {})).status).toBe(409)
    await finishJob(job.id)
  })
})
