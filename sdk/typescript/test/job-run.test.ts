import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JobCanceled, runWorker, RunCanceled } from '../src'
import { envelope, makeClient, StubServer } from './stub-server'

const JOB_ID = '3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10'
const JOB_BASE = `/api/jobs/${JOB_ID}`

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
})
afterEach(() => server.close())

const job = (status: string) => ({ id: JOB_ID, status, kind: 'training', model_name: 'rescorer' })

describe('JobRun', () => {
  it('signs every callback under /api/jobs/{id}/ and finalizes through withJob', async () => {
    const { client } = makeClient(server)
    server.queue('PATCH', `${JOB_BASE}/status`, { status: 200, body: job('processing') })
    server.queue('POST', `${JOB_BASE}/finalize`, { status: 200, body: job('completed') })
    await client.withJob(JOB_ID, async (run) => {
      expect((await run.start()).status).toBe('processing')
      expect(run.job?.status).toBe('processing')
    })
    const calls = server.requests.filter((r) => r.path.startsWith(JOB_BASE))
    expect(calls.map((r) => r.path)).toEqual([`${JOB_BASE}/status`, `${JOB_BASE}/finalize`])
    for (const r of calls) expect(r.signatureValid()).toBe(true)
    expect(calls[1]!.json).toEqual({ status: 'completed' })
  })

  it('posts metrics in requests of at most 1,000 points and adds up what was accepted', async () => {
    const { client } = makeClient(server)
    for (let i = 0; i < 3; i++) server.queue('POST', `${JOB_BASE}/metrics`, { status: 200, body: { accepted: [1000, 1000, 500][i], names: ['train/loss'] } })
    const points = Array.from({ length: 2500 }, (_, step) => ({ name: 'train/loss', step, value: 1 / (step + 1) }))
    const answer = await client.job(JOB_ID).metrics(points)
    expect(server.matching('POST', `${JOB_BASE}/metrics`).map((r) => r.json.points.length)).toEqual([1000, 1000, 500])
    expect(answer).toEqual({ accepted: 2500, names: ['train/loss'] })
  })

  it('reads every page of a batch and posts its results 100 at a time', async () => {
    const { client } = makeClient(server)
    server.queue(
      'POST',
      `${JOB_BASE}/batch/images`,
      { status: 200, body: { images: [{ id: 'a' }, { id: 'b' }], total: 3, next_cursor: 'c1' } },
      { status: 200, body: { images: [{ id: 'c' }], total: 3, next_cursor: null } },
    )
    const run = client.job(JOB_ID)
    const ids: string[] = []
    for await (const image of run.batchImages(2)) ids.push(image.id)
    expect(ids).toEqual(['a', 'b', 'c'])
    expect(server.matching('POST', 'batch/images').map((r) => r.json)).toEqual([{ limit: 2 }, { limit: 2, cursor: 'c1' }])

    const summary = { total: 250, analyses: 250, queued: 0, processing: 0, completed: 250, failed: 0, canceled: 0, group_id: JOB_ID }
    for (let i = 0; i < 3; i++) server.queue('POST', `${JOB_BASE}/batch/results`, { status: 200, body: { results: [{ image_id: String(i) }], batch: summary } })
    const items = Array.from({ length: 250 }, (_, i) => ({ image_id: String(i), status: 'completed' as const }))
    const result = await run.batchResults(items)
    expect(server.matching('POST', 'batch/results').map((r) => r.json.items.length)).toEqual([100, 100, 50])
    expect(result.results).toHaveLength(3)
    expect(result.batch).toEqual(summary)
  })

  it('claims work with a pipeline key and signs each claimed run with the credential it came with', async () => {
    const { client } = makeClient(server, { apiKey: 'mlpip_test_key', secret: null })
    server.queue('POST', '/api/pipelines/claim', {
      status: 200,
      body: { claimed: [{ kind: 'job', id: JOB_ID, event: 'job.runnable', lease: { token: 'lease_abc', expires_at: '2030-01-01T00:00:00.000Z' }, data: { job: job('queued'), callback: { base_url: `http://x${JOB_BASE}`, secret: 'mlcred_abc' } } }] },
    })
    const claimed = await client.claim({ limit: 2, kinds: ['job'] })
    expect(claimed.map((c) => c.id)).toEqual([JOB_ID])
    const [request] = server.matching('POST', '/api/pipelines/claim')
    expect(request!.header('x-api-key')).toBe('mlpip_test_key')
    expect(request!.json).toEqual({ limit: 2, kinds: ['job'] })
    await client.job(JOB_ID).start()
    const [start] = server.matching('PATCH', `${JOB_BASE}/status`)
    expect(start!.signatureValid('mlcred_abc')).toBe(true)
    expect(start!.header('x-ml-lease')).toBe('lease_abc')
    await expect(makeClient(server).client.claim()).rejects.toThrow(/pipeline key/)
  })

  it('runs a pull worker: claims, runs each run through its handler, finalizes it, and stops on abort', async () => {
    const { client } = makeClient(server, { apiKey: 'mlpip_test_key', secret: null })
    const ANALYSIS = '7c9e6679-7425-40de-944b-e07fc1f90ae7'
    const lease = { token: 'lease_w', expires_at: '2030-01-01T00:00:00.000Z' }
    server.queue(
      'POST',
      '/api/pipelines/claim',
      { status: 200, body: { claimed: [] } },
      {
        status: 200,
        body: {
          claimed: [
            { kind: 'analysis', id: ANALYSIS, lease, event: 'analysis.created', data: { callback: { secret: 'mlcred_a' } } },
            { kind: 'job', id: JOB_ID, lease, event: 'job.runnable', data: { callback: { secret: 'mlcred_j' } } },
          ],
        },
      },
    )
    server.queue('PATCH', `${JOB_BASE}/status`, { status: 200, body: job('processing') })
    server.queue('POST', `${JOB_BASE}/finalize`, { status: 200, body: job('failed') })
    const stop = new AbortController()
    const outcomes: string[] = []
    const handled = await runWorker(client, {
      analysis: (run) => run.start(),
      job: async (run) => {
        await run.start()
        throw new Error('out of memory')
      },
      batch: 2,
      idleMs: 10,
      signal: stop.signal,
      onRun: (claimed, outcome) => {
        outcomes.push(`${claimed.kind} ${outcome}`)
        if (claimed.kind === 'job') stop.abort()
      },
    })
    expect(handled).toBe(2)
    expect(outcomes).toEqual(['analysis completed', 'job failed'])
    // Nothing waiting at first: it waited idleMs and asked again, long-polling each time.
    expect(server.requests.filter((r) => r.path === '/api/pipelines/claim').map((r) => r.json)).toEqual([
      { limit: 2, kinds: ['analysis', 'job'], wait_seconds: 20 },
      { limit: 2, kinds: ['analysis', 'job'], wait_seconds: 20 },
    ])
    // Leases far from running out are left alone, and nothing was given back.
    expect(server.matching('POST', '/api/pipelines/claim/')).toHaveLength(0)
    const finals = server.requests.filter((r) => r.path.endsWith('/finalize'))
    expect(finals.map((r) => [r.path.includes(JOB_ID) ? 'job' : 'analysis', r.json.status])).toEqual([['analysis', 'completed'], ['job', 'failed']])
    expect(finals[1]!.json.error_message).toBe('out of memory')
    expect(finals[0]!.signatureValid('mlcred_a')).toBe(true)
    expect(finals[1]!.header('x-ml-lease')).toBe('lease_w')
  })

  it('raises JobCanceled on 409 job_canceled, does not fail the job, and keeps raising it', async () => {
    const { client } = makeClient(server)
    server.queue('POST', `${JOB_BASE}/progress`, { status: 409, body: envelope('job_canceled', 'canceled by a user') })
    const outcome = client.withJob(JOB_ID, (run) => run.progress(0.5, 'fit', 'epoch 1'))
    await expect(outcome).rejects.toBeInstanceOf(JobCanceled)
    await expect(outcome).rejects.toBeInstanceOf(RunCanceled)
    expect(server.matching('POST', 'finalize')).toHaveLength(0)
  })
})
