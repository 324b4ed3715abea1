import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, createProject, createUser } from './helpers'
import { createJob, finishJob, getJob, startJob, type Envelope, type Job } from './jobs-helpers'

interface Queue {
  concurrency: number
  running: Job[]
  waiting: (Job & { queue_position: number })[]
}

async function project() {
  const owner = await createUser('owner')
  const p = await createProject(owner)
  return { owner, project: p }
}

const queue = async (token: string, projectId: string) => (await api(`/api/projects/${projectId}/jobs/queue`, { token })).json<Queue>()

describe('concurrency admission per project', () => {
  it('runs one job at a time by default; the second waits in the queue and its pipeline hears job_waiting with its position', async () => {
    const { owner, project: p } = await project()
    const first = await createJob(owner, p.id)
    const second = await createJob(owner, p.id)
    expect(first.runnable_at).not.toBeNull()
    expect(second).toMatchObject({ runnable_at: null, queue_position: 1 })
    const refused = await startJob(second.id)
    expect(refused.status).toBe(409)
    const err = (await refused.json<Envelope>()).error
    expect(err).toMatchObject({ code: 'job_waiting', details: { reason: 'queue', queue_position: 1 } })
    expect((await getJob(owner, second.id)).status).toBe('queued')

    const q = await queue(owner.token, p.id)
    expect(q.concurrency).toBe(1)
    expect(q.running.map((j) => j.id)).toEqual([first.id])
    expect(q.waiting.map((j) => [j.id, j.queue_position])).toEqual([[second.id, 1]])
  })

  it('the slot passes to the next waiting job when the running one ends, by priority then age', async () => {
    const { owner, project: p } = await project()
    const running = await createJob(owner, p.id)
    const low = await createJob(owner, p.id, { priority: 0 })
    const high = await createJob(owner, p.id, { priority: 10 })
    expect((await queue(owner.token, p.id)).waiting.map((j) => j.id)).toEqual([high.id, low.id])
    await startJob(running.id)
    expect((await finishJob(running.id)).status).toBe(200)

    const afterFirst = await queue(owner.token, p.id)
    expect(afterFirst.running.map((j) => j.id)).toEqual([high.id])
    expect(afterFirst.waiting.map((j) => j.id)).toEqual([low.id])
    expect((await startJob(high.id)).status).toBe(200)

    // A cancel frees the slot the same way.
    await api(`/api/jobs/${high.id}/cancel`, { method: 'POST', token: owner.token })
    expect((await queue(owner.token, p.id)).running.map((j) => j.id)).toEqual([low.id])
    expect((await startJob(low.id)).status).toBe(200)
  })

  it('raising job_concurrency admits waiting jobs at once; only owners may change it', async () => {
    const { owner, project: p } = await project()
    const jobs = [await createJob(owner, p.id), await createJob(owner, p.id), await createJob(owner, p.id)]
    expect((await queue(owner.token, p.id)).waiting).toHaveLength(2)
    const res = await api(`/api/projects/${p.id}/settings`, { method: 'PATCH', token: owner.token, json: { job_concurrency: 3 } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ project_id: p.id, job_concurrency: 3 })
    const q = await queue(owner.token, p.id)
    expect(q.waiting).toHaveLength(0)
    expect(q.running.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort())
    for (const j of jobs) expect((await startJob(j.id)).status).toBe(200)

    const bad = await api(`/api/projects/${p.id}/settings`, { method: 'PATCH', token: owner.token, json: { job_concurrency: 0 } })
    expect(bad.status).toBe(400)
    expect((await bad.json<Envelope>()).error.code).toBe('validation_error')
  })

  it('never gives more slots than job_concurrency when many jobs are created at once', async () => {
    const { owner, project: p } = await project()
    await api(`/api/projects/${p.id}/settings`, { method: 'PATCH', token: owner.token, json: { job_concurrency: 2 } })
    await Promise.all(Array.from({ length: 8 }, () => createJob(owner, p.id)))
    const held = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE project_id = ? AND runnable_at IS NOT NULL AND status IN ('queued','processing')")
      .bind(p.id)
      .first<{ n: number }>()
    expect(held?.n).toBe(2)
    const q = await queue(owner.token, p.id)
    expect(q.waiting.map((j) => j.queue_position)).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('projects do not share slots', async () => {
    const { owner, project: a } = await project()
    const b = await createProject(owner, 'Other')
    await createJob(owner, a.id)
    const other = await createJob(owner, b.id)
    expect(other.runnable_at).not.toBeNull()
  })

  it('the status summary shows the running job, the waiting count and the last ten jobs', async () => {
    const { owner, project: p } = await project()
    const first = await createJob(owner, p.id)
    await createJob(owner, p.id)
    const res = await api(`/api/projects/${p.id}/status`, { token: owner.token })
    expect(res.status).toBe(200)
    const status = await res.json<{ job_concurrency: number; running_jobs: Job[]; waiting_jobs: number; recent_jobs: Job[]; images: { total: number } }>()
    expect(status).toMatchObject({ job_concurrency: 1, waiting_jobs: 1, images: { total: 0 } })
    expect(status.running_jobs.map((j) => j.id)).toEqual([first.id])
    expect(status.recent_jobs).toHaveLength(2)
  })
})
