import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LoupeError } from '../src'
import { ANALYSIS_ID, BASE, claimedRun, envelope, makeClient, StubServer } from './stub-server'

const JOB_ID = '3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10'

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
})
afterEach(() => server.close())

const pipeline = () => makeClient(server, { apiKey: 'mlpip_test_key', secret: null }).client
const leaseHeaders = () => server.matching('PATCH', `${BASE}/status`).map((r) => r.header('x-ml-lease') ?? null)

describe('claims', () => {
  it('long-polls: claim() sends wait_seconds as given', async () => {
    await pipeline().claim({ limit: 3, kinds: ['analysis'], wait_seconds: 20 })
    expect(server.matching('POST', '/api/pipelines/claim')[0]!.json).toEqual({ limit: 3, kinds: ['analysis'], wait_seconds: 20 })
  })

  it('claimRun takes one named analysis or job with {} and holds it like claim()', async () => {
    const client = pipeline()
    server.queue('POST', `/api/analyses/${ANALYSIS_ID}/claim`, { status: 200, body: claimedRun('analysis', ANALYSIS_ID, { token: 'lease_one' }) })
    server.queue('POST', `/api/jobs/${JOB_ID}/claim`, { status: 200, body: claimedRun('job', JOB_ID, { token: 'lease_job' }) })
    expect((await client.claimRun('analysis', ANALYSIS_ID)).lease.token).toBe('lease_one')
    expect((await client.claimRun('job', JOB_ID)).kind).toBe('job')
    const claims = server.requests.filter((r) => r.path.endsWith('/claim'))
    expect(claims.map((r) => [r.path, r.json, r.header('x-api-key')])).toEqual([
      [`/api/analyses/${ANALYSIS_ID}/claim`, {}, 'mlpip_test_key'],
      [`/api/jobs/${JOB_ID}/claim`, {}, 'mlpip_test_key'],
    ])
    await client.analysis(ANALYSIS_ID).start()
    const [start] = server.matching('PATCH', `${BASE}/status`)
    expect(start!.signatureValid('mlcred_lease_one')).toBe(true)
    expect(start!.header('x-ml-lease')).toBe('lease_one')
  })

  it('claimRun rejects with already_claimed when another claim holds the run, and holds nothing', async () => {
    const client = pipeline()
    server.queue('POST', '/claim', { status: 409, body: envelope('already_claimed', 'held by another claim') })
    await expect(client.claimRun('analysis', ANALYSIS_ID)).rejects.toMatchObject({ status: 409, code: 'already_claimed' })
    expect(server.matching('POST', '/claim')).toHaveLength(1) // a lost answer would have taken the run: not retried
    await expect(client.release('analysis', ANALYSIS_ID)).rejects.toThrow(/no lease is held/)
  })

  it('renew sends the held token and keeps the token the server answers with', async () => {
    const client = pipeline()
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_old' })] } })
    server.queue('POST', '/claim/renew', { status: 200, body: { token: 'lease_new', expires_at: '2030-01-01T00:05:00.000Z' } })
    await client.claim()
    expect(await client.renew('analysis', ANALYSIS_ID)).toEqual({ token: 'lease_new', expires_at: '2030-01-01T00:05:00.000Z' })
    expect(server.matching('POST', '/claim/renew')[0]!.json).toEqual({ kind: 'analysis', id: ANALYSIS_ID, token: 'lease_old' })
    await client.analysis(ANALYSIS_ID).start()
    expect(leaseHeaders()).toEqual(['lease_new'])
  })

  it('release gives the run back with its token, then forgets the lease, even when refused', async () => {
    const client = pipeline()
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease_r' }), claimedRun('job', JOB_ID, { token: 'lease_j' })] } })
    server.queue('POST', '/claim/release', { status: 200, body: { kind: 'analysis', id: ANALYSIS_ID, status: 'queued' } }, { status: 409, body: envelope('job_finalized') })
    await client.claim({ limit: 2 })
    expect(await client.release('analysis', ANALYSIS_ID)).toEqual({ kind: 'analysis', id: ANALYSIS_ID, status: 'queued' })
    await expect(client.release('job', JOB_ID)).rejects.toBeInstanceOf(LoupeError)
    expect(server.matching('POST', '/claim/release').map((r) => r.json)).toEqual([
      { kind: 'analysis', id: ANALYSIS_ID, token: 'lease_r' },
      { kind: 'job', id: JOB_ID, token: 'lease_j' },
    ])
    await client.analysis(ANALYSIS_ID).start()
    expect(leaseHeaders()).toEqual([null])
    await expect(client.renew('job', JOB_ID)).rejects.toThrow(/no lease is held/)
  })

  it('needs a pipeline key to claim', async () => {
    const { client } = makeClient(server)
    await expect(client.claimRun('analysis', ANALYSIS_ID)).rejects.toThrow(/pipeline key/)
    expect(server.requests).toHaveLength(0)
  })
})
