import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, createProject, createUser, signed, type TestUser } from './helpers'
import { createJob, finishJob, startJob, type Envelope } from './jobs-helpers'
import { subscribeTo } from './live-client'

interface Series {
  name: string
  count: number
  last: { step: number; value: number } | null
  min: number
  max: number
  downsampled: boolean
  points: { step: number; value: number; epoch: number | null; min?: number; max?: number; count?: number }[]
  next_after_step: number | null
}

async function runningJob() {
  const owner = await createUser('owner')
  const p = await createProject(owner)
  const job = await createJob(owner, p.id)
  await startJob(job.id)
  return { owner, project: p, job }
}

const postMetrics = (jobId: string, points: unknown[]) => signed('POST', `/api/jobs/${jobId}/metrics`, { points })
const readMetrics = async (owner: TestUser, jobId: string, query = '') =>
  (await (await api(`/api/jobs/${jobId}/metrics${query}`, { token: owner.token })).json<{ series: Series[] }>()).series

describe('job metrics', () => {
  it('stores points in bulk and returns each series with its last point, range and points in step order', async () => {
    const { owner, job } = await runningJob()
    const loss = [0.9, 0.6, 0.45, 0.4].map((value, step) => ({ name: 'train/loss', step, epoch: step, value }))
    const res = await postMetrics(job.id, [...loss, { name: 'lr', step: 0, value: 0.1 }])
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ accepted: 5, names: ['lr', 'train/loss'] })
    const series = await readMetrics(owner, job.id)
    const trainLoss = series.find((s) => s.name === 'train/loss')!
    expect(trainLoss).toMatchObject({ count: 4, min: 0.4, max: 0.9, downsampled: false, last: { step: 3, value: 0.4 } })
    expect(trainLoss.points.map((p) => [p.step, p.value, p.epoch])).toEqual([
      [0, 0.9, 0],
      [1, 0.6, 1],
      [2, 0.45, 2],
      [3, 0.4, 3],
    ])
  })

  it('a point posted again for the same name and step replaces the first (retries are safe)', async () => {
    const { owner, job } = await runningJob()
    await postMetrics(job.id, [{ name: 'val/map', step: 1, value: 0.3 }])
    await postMetrics(job.id, [{ name: 'val/map', step: 1, value: 0.35 }])
    const [s] = await readMetrics(owner, job.id, '?name=val/map')
    expect(s).toMatchObject({ count: 1, last: { value: 0.35 } })
  })

  it('a long series comes back downsampled to max_points buckets, or raw a page at a time', async () => {
    const { owner, job } = await runningJob()
    const points = Array.from({ length: 1000 }, (_, step) => ({ name: 'loss', step, value: 1000 - step }))
    expect((await postMetrics(job.id, points)).status).toBe(200)
    const [down] = await readMetrics(owner, job.id, '?max_points=10')
    expect(down).toMatchObject({ count: 1000, downsampled: true, min: 1, max: 1000 })
    expect(down!.points).toHaveLength(10)
    expect(down!.points.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(1000)
    const [page] = await readMetrics(owner, job.id, '?downsample=false&max_points=100&after_step=499')
    expect(page!.points[0]!.step).toBe(500)
    expect(page!.points).toHaveLength(100)
    expect(page!.next_after_step).toBe(599)
  })

  it('refuses bad points with the envelope and stores none of the request', async () => {
    const { owner, job } = await runningJob()
    const bad = await postMetrics(job.id, [
      { name: 'ok', step: 0, value: 1 },
      { name: 'has space', step: 1, value: 1 },
    ])
    expect(bad.status).toBe(400)
    expect((await bad.json<Envelope>()).error.code).toBe('validation_error')
    const negative = await postMetrics(job.id, [{ name: 'ok', step: -1, value: 1 }])
    expect(negative.status).toBe(400)
    expect(await readMetrics(owner, job.id)).toEqual([])
  })

  it('a finished job takes no more metrics: 409 job_finalized', async () => {
    const { job } = await runningJob()
    await finishJob(job.id)
    const res = await postMetrics(job.id, [{ name: 'loss', step: 9, value: 0.1 }])
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.code).toBe('job_finalized')
  })

  it('streams status, progress, metrics and the end live, with the record under `job`', async () => {
    const { owner, job } = await runningJob()
    const live = await subscribeTo(`/api/jobs/${job.id}/live`, owner.token)
    expect(live.res.status).toBe(101)
    await live.next(2)
    expect(live.messages.map((m) => m.type)).toEqual(['connected', 'snapshot'])
    expect(live.messages[1]!.job).toMatchObject({ id: job.id, status: 'processing' })
    await signed('POST', `/api/jobs/${job.id}/progress`, { progress: 0.3 })
    await postMetrics(job.id, [{ name: 'loss', step: 0, value: 0.7 }])
    await finishJob(job.id)
    await live.next(6)
    const types = live.messages.map((m) => m.type)
    expect(types).toEqual(expect.arrayContaining(['progress', 'metrics', 'status', 'finalized']))
    expect(live.messages.find((m) => m.type === 'metrics')!.points).toEqual([expect.objectContaining({ name: 'loss', step: 0, value: 0.7 })])
    expect(live.messages.find((m) => m.type === 'finalized')!.job).toMatchObject({ status: 'completed' })
    live.close()
  })

  it('a job artifact is uploaded through its presigned URL, listed, and downloadable', async () => {
    const { owner, job } = await runningJob()
    const res = await signed('POST', `/api/jobs/${job.id}/artifacts/presign`, { artifact_type: 'model', filename: 'rescorer.json' })
    expect(res.status).toBe(200)
    const ticket = await res.json<{ upload_url: string; storage_path: string; headers: Record<string, string> }>()
    expect(ticket.storage_path).toBe(`jobs/${job.id}/rescorer.json`)
    const bytes = new TextEncoder().encode('{"w":[0.5,1.5]}')
    const put = await exports.default.fetch(new Request(ticket.upload_url, { method: 'PUT', headers: ticket.headers, body: bytes }))
    expect(put.status).toBe(200)
    const list = await (await api(`/api/jobs/${job.id}/artifacts`, { token: owner.token })).json<{ artifacts: { status: string; bytes: number; sha256: string }[] }>()
    expect(list.artifacts).toEqual([expect.objectContaining({ status: 'uploaded', bytes: bytes.length })])
    expect(list.artifacts[0]!.sha256).toMatch(/^[0-9a-f]{64}$/)
    const link = await api(`/api/jobs/${job.id}/artifacts/download?storage_path=${encodeURIComponent(ticket.storage_path)}`, { token: owner.token })
    expect(link.status).toBe(200)
    const got = await exports.default.fetch(new Request((await link.json<{ download_url: string }>()).download_url))
    expect(await got.text()).toBe('{"w":[0.5,1.5]}')
    const outside = await api(`/api/jobs/${job.id}/artifacts/download?storage_path=${encodeURIComponent('ml_outputs/x/y.png')}`, { token: owner.token })
    expect(outside.status).toBe(400)
  })
})
