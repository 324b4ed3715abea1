import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { histogramQuantile } from '../../src/domain/activity'
import { DURATION_BUCKETS } from '../../src/metrics/exposition'
import { api, createAnalysis, createProject, createUser, uploadImage, type TestUser } from './helpers'
import { createJob } from './jobs-helpers'

/**
 * A project's dashboard series: analyses placed at known times within one hour five hours ago
 * (waits of 2, 2 and 4 minutes; runs of 1 and 20 minutes), a job and webhook deliveries, read
 * back per hour and per day.
 */
const MIN = 60_000
const HOUR = 60 * MIN
let owner: TestUser
let projectId: string
let hourStart: number

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString())
async function placed(imageId: string, model: string, status: string, created: number, started: number | null, completed: number | null) {
  const a = await createAnalysis(owner, imageId, { model_name: model, model_version: '1' })
  await env.DB.prepare('UPDATE analyses SET status = ?, created_at = ?, started_at = ?, completed_at = ? WHERE id = ?')
    .bind(status, iso(created), iso(started), iso(completed), a.id)
    .run()
  return a.id
}

beforeAll(async () => {
  owner = await createUser('operator')
  projectId = (await createProject(owner, 'Dashboard')).id
  const image = await uploadImage(owner, projectId)
  hourStart = Math.floor((Date.now() - 5 * HOUR) / HOUR) * HOUR
  const t = (m: number) => hourStart + m * MIN
  const first = await placed(image.id, 'det', 'completed', t(0), t(2), t(3))
  await placed(image.id, 'det', 'failed', t(1), t(3), t(23))
  await placed(image.id, 'cls', 'processing', t(5), t(9), null)
  await placed(image.id, 'det', 'queued', Date.now() - MIN, null, null)
  await env.DB.prepare(
    `INSERT INTO deliveries (id, webhook_id, run_kind, run_id, event, endpoint_url, attempt, outcome, latency_ms, created_at)
     VALUES (?1, 'msg_1', 'analysis', ?2, 'analysis.created', 'https://p.example', 1, 'failed', 10, ?3),
            (?4, 'msg_1', 'analysis', ?2, 'analysis.created', 'https://p.example', 2, 'delivered', 10, ?5)`,
  )
    .bind(crypto.randomUUID(), first, iso(t(0)), crypto.randomUUID(), iso(t(1)))
    .run()
  await createJob(owner, projectId, { kind: 'training', model_name: 'det' })
})

interface Activity {
  bucket: string
  buckets: string[]
  analyses: Record<'created' | 'completed' | 'failed' | 'canceled', number[]>
  queue_wait_seconds: { p50: (number | null)[]; p95: (number | null)[] }
  processing_seconds: { p50: (number | null)[]; p95: (number | null)[] }
  jobs: Record<'created' | 'completed' | 'failed', number[]>
  deliveries: Record<'delivered' | 'failed', number[]>
  models: { model_name: string; model_version: string; completed: number[]; failed: number[] }[]
}

const activity = async (query: string) => {
  const res = await api(`/api/projects/${projectId}/activity?${query}`, { token: owner.token })
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json<Activity>()
}
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0)

describe('GET /api/projects/{id}/activity', () => {
  it('counts per hour, with queue waits and run times estimated from histogram buckets', async () => {
    const a = await activity('days=1')
    expect(a.bucket).toBe('hour')
    expect(a.buckets.length).toBeGreaterThanOrEqual(24)
    const i = a.buckets.indexOf(new Date(hourStart).toISOString())
    expect(i).toBeGreaterThan(0)
    expect(a.analyses.created[i]).toBe(3)
    expect(sum(a.analyses.created)).toBe(4)
    expect([a.analyses.completed[i], a.analyses.failed[i], sum(a.analyses.canceled)]).toEqual([1, 1, 0])
    // Waits of 2, 2 and 4 minutes all fall in the 60–300 s bucket: the median interpolates to 180 s.
    expect(a.queue_wait_seconds.p50[i]).toBeCloseTo(180, 9)
    expect(a.queue_wait_seconds.p95[i]).toBeCloseTo(60 + 240 * 0.95, 9)
    expect(a.queue_wait_seconds.p50[i - 1]).toBeNull()
    // Runs of 1 and 20 minutes: the median sits in the 30–60 s bucket's top, p95 in 900–1800 s.
    expect(a.processing_seconds.p50[i]).toBeCloseTo(60, 9)
    expect(a.processing_seconds.p95[i]).toBeCloseTo(900 + 900 * 0.9, 9)
    expect([a.deliveries.failed[i], a.deliveries.delivered[i]]).toEqual([1, 1])
    expect(sum(a.jobs.created)).toBe(1)
    expect(a.models).toEqual([{ model_name: 'det', model_version: '1', completed: expect.any(Array), failed: expect.any(Array) }])
    expect([a.models[0]!.completed[i], a.models[0]!.failed[i]]).toEqual([1, 1])
  })

  it('counts per day over longer windows', async () => {
    const a = await activity('days=14')
    expect(a.bucket).toBe('day')
    expect(a.buckets).toHaveLength(15)
    expect(sum(a.analyses.created)).toBe(4)
    for (const s of Object.values(a.analyses)) expect(s).toHaveLength(15)
  })

  it('refuses what it cannot answer with the error envelope', async () => {
    for (const q of ['days=0', 'days=91', 'bucket=minute']) {
      const res = await api(`/api/projects/${projectId}/activity?${q}`, { token: owner.token })
      expect(res.status, q).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'validation_error' } })
    }
    expect((await api(`/api/projects/${projectId}/activity`, { token: (await createUser('stranger')).token })).status).toBe(404)
  })
})

describe('histogramQuantile', () => {
  it('interpolates within the bucket the rank falls in, as Prometheus does', () => {
    const cumulative = DURATION_BUCKETS.map((le) => (le >= 300 ? 3 : 0))
    expect(histogramQuantile(0.5, DURATION_BUCKETS, cumulative, 3)).toBe(180)
    expect(histogramQuantile(0.5, [1, 2], [0, 0], 0)).toBeNull()
    expect(histogramQuantile(0.5, [1, 2], [4, 4], 4)).toBe(0.5)
    // Everything past the last bound: the last bound is all an estimate can say.
    expect(histogramQuantile(0.99, [1, 2], [0, 0], 5)).toBe(2)
  })
})
