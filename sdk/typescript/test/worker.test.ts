import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AnalysisCanceled, JobCanceled, LoupeError, runWorker, RunReleased, type RunOutcome } from '../src'
import { ANALYSIS_ID, BASE, claimedRun, envelope, eventually, makeClient, StubServer } from './stub-server'

const JOB_ID = '3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10'
const SECOND_ID = '9b2d7e55-1c4f-4f8e-b0a1-6a3e2f4d5c6b'

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
})
afterEach(() => server.close())

const pipeline = (options = {}) => makeClient(server, { apiKey: 'mlpip_test_key', secret: null, ...options }).client
const claims = () => server.requests.filter((r) => r.path === '/api/pipelines/claim')
const soon = (ms: number) => new Date(Date.now() + ms).toISOString()
const aborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => (signal.aborted ? reject(signal.reason) : signal.addEventListener('abort', () => reject(signal.reason))))

describe('runWorker: claiming', () => {
  it('long-polls, and asks again at once after a wait that came back empty', async () => {
    let t = 0
    const client = pipeline({ now: () => (t += 60_000) }) // each claim appears to take the whole wait
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [] } }, { status: 200, body: { claimed: [] } }, { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_a' })] } })
    const stop = new AbortController()
    await runWorker(client, { analysis: () => {}, idleMs: 60_000, signal: stop.signal, onRun: () => stop.abort() })
    expect(claims().map((r) => r.json.wait_seconds)).toEqual([20, 20, 20])
  })

  it('waits idleMs between empty answers that came back at once, and stops waiting on abort', async () => {
    const stop = new AbortController()
    const started = Date.now()
    const done = runWorker(pipeline(), { analysis: () => {}, idleMs: 60_000, signal: stop.signal })
    await eventually(() => claims().length === 1)
    setTimeout(() => stop.abort(), 100)
    expect(await done).toBe(0)
    expect(claims()).toHaveLength(1)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('keeps the long-poll inside the server’s cap and the transport’s timeout', async () => {
    for (const [options, waitSeconds, expected] of [[{}, 60, 20], [{ timeoutMs: 10_000 }, 20, 5], [{}, 0, 0]] as const) {
      const stop = new AbortController()
      const before = claims().length
      const done = runWorker(pipeline(options), { analysis: () => {}, waitSeconds, idleMs: 60_000, signal: stop.signal })
      await eventually(() => claims().length > before)
      stop.abort()
      await done
      expect(claims().at(-1)!.json.wait_seconds).toBe(expected)
    }
  })

  it('abandons a long-poll in flight when stopped', async () => {
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [] }, delayMs: 10_000 })
    const stop = new AbortController()
    const started = Date.now()
    const done = runWorker(pipeline(), { analysis: () => {}, signal: stop.signal })
    await eventually(() => claims().length === 1)
    stop.abort()
    expect(await done).toBe(0)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('runWorker: leases', () => {
  it('renews the lease in the background while the handler runs, at about a third of the time left, and stops after', async () => {
    const client = pipeline()
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_a', expires_at: soon(1_500) })] } })
    for (let i = 0; i < 10; i++) server.queue('POST', '/claim/renew', { status: 200, body: { token: 'lease_a', expires_at: soon(1_500) } })
    const stop = new AbortController()
    const startedAt = Date.now()
    let renewedAfter = 0
    await runWorker(client, {
      analysis: async () => {
        await eventually(() => server.matching('POST', '/claim/renew').length === 1)
        renewedAfter = Date.now() - startedAt
      },
      signal: stop.signal,
      onRun: () => stop.abort(),
    })
    expect(renewedAfter).toBeGreaterThanOrEqual(400)
    expect(renewedAfter).toBeLessThan(1_400) // well before the lease ran out
    expect(server.matching('POST', '/claim/renew')[0]!.json).toEqual({ kind: 'analysis', id: ANALYSIS_ID, token: 'lease_a' })
    const renewals = server.matching('POST', '/claim/renew').length
    await new Promise((r) => setTimeout(r, 800))
    expect(server.matching('POST', '/claim/renew')).toHaveLength(renewals)
  })

  const taken: [string, 'analysis' | 'job', RunOutcome, (reason: unknown) => boolean][] = [
    ['analysis_canceled', 'analysis', 'canceled', (r) => r instanceof AnalysisCanceled],
    ['job_canceled', 'job', 'canceled', (r) => r instanceof JobCanceled],
    ['lease_lost', 'analysis', 'lost', (r) => r instanceof LoupeError && r.code === 'lease_lost'],
  ]
  it.each(taken)('a renewal answering 409 %s aborts the %s handler’s signal and does not finalize the run', async (code, kind, outcome, isReason) => {
    const id = kind === 'analysis' ? ANALYSIS_ID : JOB_ID
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun(kind, id, { token: 'lease_x', expires_at: soon(600) })] } })
    server.queue('POST', '/claim/renew', { status: 409, body: envelope(code) })
    const stop = new AbortController()
    const seen: { outcome?: RunOutcome; reason?: unknown } = {}
    const handler = async (_run: unknown, _claimed: unknown, signal: AbortSignal) => {
      await aborted(signal).catch((reason) => (seen.reason = reason))
    }
    await runWorker(pipeline(), {
      [kind]: handler,
      signal: stop.signal,
      onRun: (_claimed, o) => {
        seen.outcome = o
        stop.abort()
      },
    })
    expect(seen.outcome).toBe(outcome)
    expect(isReason(seen.reason)).toBe(true)
    expect(server.requests.filter((r) => r.path.endsWith('/finalize'))).toHaveLength(0)
  })
})

describe('runWorker: stopping', () => {
  it('gives back the run in hand and the batch’s unstarted runs, and never finalizes them', async () => {
    server.queue('POST', '/api/pipelines/claim', {
      status: 200,
      body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_1' }), claimedRun('analysis', SECOND_ID, { token: 'lease_2' })] },
    })
    const stop = new AbortController()
    const outcomes: string[] = []
    let reason: unknown
    const handled = await runWorker(pipeline(), {
      analysis: async (run, _claimed, signal) => {
        await run.start()
        stop.abort()
        await aborted(signal).catch((r) => {
          reason = r
          throw r
        })
      },
      batch: 2,
      signal: stop.signal,
      onRun: (claimed, outcome) => outcomes.push(`${claimed.id} ${outcome}`),
    })
    expect(handled).toBe(1)
    expect(outcomes).toEqual([`${ANALYSIS_ID} released`, `${SECOND_ID} released`])
    expect(reason).toBeInstanceOf(RunReleased)
    expect(server.matching('POST', '/claim/release').map((r) => r.json)).toEqual([
      { kind: 'analysis', id: ANALYSIS_ID, token: 'lease_1' },
      { kind: 'analysis', id: SECOND_ID, token: 'lease_2' },
    ])
    expect(server.requests.filter((r) => r.path.endsWith('/finalize'))).toHaveLength(0)
    expect(server.matching('PATCH', `${BASE}/status`)).toHaveLength(1)
  })

  it('finalizes a run its handler finished before the stop, and releases nothing then', async () => {
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_1' })] } })
    const stop = new AbortController()
    await runWorker(pipeline(), { analysis: () => {}, signal: stop.signal, onRun: () => stop.abort() })
    expect(server.requests.filter((r) => r.path.endsWith('/finalize')).map((r) => r.json.status)).toEqual(['completed'])
    expect(server.matching('POST', '/claim/release')).toHaveLength(0)
  })
})
