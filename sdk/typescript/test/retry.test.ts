import { createServer, type Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AnalysisCanceled, LoupeClient, LoupeError, parseRetryAfter } from '../src'
import { ANALYSIS_ID, DROP, envelope, makeClient, StubServer } from './stub-server'

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
})
afterEach(() => server.close())

async function rejection(promise: Promise<unknown>): Promise<LoupeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(LoupeError)
  return err as LoupeError
}

describe('the retry policy', () => {
  it('retries a 503 after a full-jitter delay within the first backoff window', async () => {
    const { client, delays } = makeClient(server)
    server.queue('PATCH', '/status', { status: 503, body: envelope('internal_error', 'try later') })
    const result = await client.analysis(ANALYSIS_ID).start()
    expect(result.status).toBe('processing')
    expect(server.requests).toHaveLength(2)
    expect(delays).toHaveLength(1)
    expect(delays[0]).toBeGreaterThanOrEqual(0)
    expect(delays[0]).toBeLessThanOrEqual(500)
  })

  it('retries 500, 502, 504 and 429', async () => {
    const { client } = makeClient(server)
    for (const status of [500, 502, 504, 429]) {
      server.requests.length = 0
      server.queue('POST', '/progress', { status, body: envelope('x') })
      await client.analysis(ANALYSIS_ID).progress(0.3)
      expect(server.requests, `status ${status}`).toHaveLength(2)
    }
  })

  it('signs every attempt afresh: new nonce, valid signature, same body', async () => {
    const { client } = makeClient(server)
    server.queue('POST', '/progress', { status: 502 }, { status: 500 })
    await client.analysis(ANALYSIS_ID).progress(0.5)
    const attempts = server.matching('POST', '/progress')
    expect(attempts).toHaveLength(3)
    expect(new Set(attempts.map((r) => r.header('x-ml-nonce'))).size).toBe(3)
    for (const r of attempts) {
      expect(r.signatureValid()).toBe(true)
      expect(r.body.toString()).toBe('{"progress":0.5}')
    }
  })

  it('does not retry a 400 and carries code, message, details and request id', async () => {
    const { client, delays } = makeClient(server)
    server.queue('POST', '/progress', { status: 400, body: envelope('validation_error', 'progress: too big', { field: 'progress' }) })
    const err = await rejection(client.analysis(ANALYSIS_ID).progress(0.5))
    expect(err).not.toBeInstanceOf(AnalysisCanceled)
    expect([err.status, err.code, err.message, err.requestId]).toEqual([400, 'validation_error', 'progress: too big', 'req-1'])
    expect(err.details).toEqual({ field: 'progress' })
    expect(String(err)).toBe('LoupeError: validation_error: progress: too big (HTTP 400, request id req-1)')
    expect(server.requests).toHaveLength(1)
    expect(delays).toEqual([])
  })

  it('does not retry other 4xx', async () => {
    const { client, delays } = makeClient(server)
    for (const [status, code] of [
      [401, 'signature_invalid'],
      [404, 'not_found'],
      [409, 'illegal_transition'],
      [413, 'payload_too_large'],
    ] as const) {
      server.requests.length = 0
      server.queue('POST', '/finalize', { status, body: envelope(code) })
      const err = await rejection(client.analysis(ANALYSIS_ID).complete())
      expect([err.status, err.code]).toEqual([status, code])
      expect(server.requests).toHaveLength(1)
    }
    expect(delays).toEqual([])
  })

  it('waits exactly Retry-After seconds', async () => {
    const { client, delays } = makeClient(server)
    server.queue(
      'POST',
      '/progress',
      { status: 429, body: envelope('rate_limited'), headers: { 'Retry-After': '7' } },
      { status: 429, body: envelope('rate_limited'), headers: { 'Retry-After': '0' } },
    )
    await client.analysis(ANALYSIS_ID).progress(0.2)
    expect(delays).toEqual([7000, 0])
    expect(server.requests).toHaveLength(3)
  })

  it('waits until a Retry-After HTTP date', async () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 27, 30))).toBe(30_000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.UTC(2015, 9, 21, 7, 29))).toBe(0)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter('-1')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter(' 2 ')).toBe(2000)

    const { client, delays } = makeClient(server)
    const when = new Date(Date.now() + 60_000).toUTCString()
    server.queue('POST', '/progress', { status: 503, body: envelope('internal_error'), headers: { 'Retry-After': when } })
    await client.analysis(ANALYSIS_ID).progress(0.2)
    expect(delays).toHaveLength(1)
    expect(delays[0]).toBeGreaterThan(55_000)
    expect(delays[0]).toBeLessThanOrEqual(60_000)
  })

  it('gives up rather than wait longer than maxRetryAfterMs', async () => {
    const { client, delays } = makeClient(server, { maxRetryAfterMs: 10_000 })
    server.queue('POST', '/progress', { status: 429, body: envelope('rate_limited'), headers: { 'Retry-After': '3600' } })
    const err = await rejection(client.analysis(ANALYSIS_ID).progress(0.1))
    expect(err.code).toBe('rate_limited')
    expect(delays).toEqual([])
  })

  it('retries a dropped connection', async () => {
    const { client, delays } = makeClient(server)
    server.queue('POST', '/finalize', DROP, DROP)
    const result = await client.analysis(ANALYSIS_ID).complete()
    expect(result.status).toBe('completed')
    expect(server.matching('POST', '/finalize')).toHaveLength(3)
    expect(delays).toHaveLength(2)
  })

  it('retries a refused connection, then rejects with network_error', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const delays: number[] = []
    const client = new LoupeClient({ baseUrl: `http://127.0.0.1:${port}`, secret: 's', maxRetries: 3, sleep: async (ms) => void delays.push(ms) })
    const err = await rejection(client.analysis(ANALYSIS_ID).start())
    expect([err.status, err.code]).toEqual([null, 'network_error'])
    expect(delays).toHaveLength(3)
  })

  it('times out a silent server and retries it like a network error', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket)).listen(0, '127.0.0.1') // accepts, never answers
    await new Promise((resolve) => silent.once('listening', resolve))
    const { port } = silent.address() as { port: number }
    const delays: number[] = []
    const client = new LoupeClient({ baseUrl: `http://127.0.0.1:${port}`, secret: 's', timeoutMs: 50, maxRetries: 1, sleep: async (ms) => void delays.push(ms) })
    const err = await rejection(client.analysis(ANALYSIS_ID).progress(0.1))
    expect(err.code).toBe('network_error')
    expect(err.message).toMatch(/timed out after 50 ms/)
    expect(delays).toHaveLength(1)
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })

  it('backs off exponentially up to the cap, and stops after maxRetries', async () => {
    const { client, delays } = makeClient(server, { maxRetries: 4, backoffBaseMs: 500, backoffMaxMs: 3000, random: () => 1 })
    server.queue('POST', '/progress', ...Array.from({ length: 5 }, () => ({ status: 500, body: envelope('internal_error') })))
    const err = await rejection(client.analysis(ANALYSIS_ID).progress(0.1))
    expect(err.status).toBe(500)
    expect(delays).toEqual([500, 1000, 2000, 3000])
    expect(server.requests).toHaveLength(5)
  })

  it('reports a non-JSON error body by its text', async () => {
    const { client } = makeClient(server, { maxRetries: 0 })
    server.queue('POST', '/progress', { status: 502, body: '<html>Bad gateway</html>' })
    const err = await rejection(client.analysis(ANALYSIS_ID).progress(0.1))
    expect([err.status, err.code]).toEqual([502, 'http_502'])
    expect(err.message).toContain('Bad gateway')
  })

  it('refuses a 2xx that is not JSON', async () => {
    const { client } = makeClient(server)
    server.queue('POST', '/progress', { status: 200, body: '<html>proxy page</html>' })
    const err = await rejection(client.analysis(ANALYSIS_ID).progress(0.1))
    expect([err.status, err.code]).toEqual([200, 'bad_response'])
  })
})

describe('cancellation', () => {
  it('raises AnalysisCanceled on 409 analysis_canceled, without retrying', async () => {
    const { client } = makeClient(server)
    server.queue('POST', '/progress', { status: 409, body: envelope('analysis_canceled', 'Analysis was canceled; stop working on it') })
    const run = client.analysis(ANALYSIS_ID)
    const err = await rejection(run.progress(0.4, 'inference'))
    expect(err).toBeInstanceOf(AnalysisCanceled)
    expect(err.name).toBe('AnalysisCanceled')
    expect([err.status, err.code, err.requestId]).toEqual([409, 'analysis_canceled', 'req-1'])
    expect(run.canceled).toBe(true)
    expect(server.requests).toHaveLength(1)
  })

  it('treats any other 409 as a plain LoupeError', async () => {
    const { client } = makeClient(server)
    server.queue('PATCH', '/status', { status: 409, body: envelope('illegal_transition') })
    const err = await rejection(client.analysis(ANALYSIS_ID).start())
    expect(err).not.toBeInstanceOf(AnalysisCanceled)
  })

  it('stops the pipeline: later calls reject at once and withAnalysis does not call fail()', async () => {
    const { client } = makeClient(server)
    server.queue('POST', '/logs', { status: 409, body: envelope('analysis_canceled') })
    const steps: number[] = []
    const outcome = client.withAnalysis(ANALYSIS_ID, async (run) => {
      await run.stage('inference', async () => {
        for (let i = 0; i < 10; i++) {
          steps.push(i)
          run.log('info', `batch ${i}`)
          await run.flush()
        }
      })
    })
    await expect(outcome).rejects.toBeInstanceOf(AnalysisCanceled)
    expect(steps).toEqual([0])
    expect(server.matching('POST', '/finalize')).toEqual([])
    // Nothing was sent after the 409: no stage-failure report, no fail().
    expect(server.requests.at(-1)!.path).toBe(`/api/analyses/${ANALYSIS_ID}/logs`)
  })

  it('surfaces a cancel seen by a background log flush on the next call, and on log()', async () => {
    const { client } = makeClient(server, { logBatchSize: 1 })
    server.queue('POST', '/logs', { status: 409, body: envelope('analysis_canceled') })
    const run = client.analysis(ANALYSIS_ID)
    run.log('info', 'x') // a full batch: flushed in the background
    await expect(run.progress(0.5)).rejects.toBeInstanceOf(AnalysisCanceled)
    expect(() => run.log('info', 'y')).toThrow(AnalysisCanceled)
    expect(server.matching('POST', '/progress')).toEqual([])
  })

  it('cancels through the user endpoint with the bearer token', async () => {
    const { client } = makeClient(server)
    await client.cancelAnalysis(ANALYSIS_ID)
    const [req] = server.requests
    expect([req!.method, req!.path, req!.header('authorization')]).toEqual(['POST', `/api/analyses/${ANALYSIS_ID}/cancel`, 'Bearer tok_test'])
  })
})

describe('createAnalysis', () => {
  const image = '550e8400-e29b-41d4-a716-446655440000'

  it('sends the bearer token and the fields, unsigned', async () => {
    const { client } = makeClient(server)
    const created = await client.createAnalysis(image, {
      model_name: 'yolo_v8',
      model_version: '1.0.0',
      parameters: { confidence_threshold: 0.5 },
      group_id: 'batch-1',
    })
    expect(created.status).toBe('queued')
    const [req] = server.requests
    expect([req!.method, req!.path, req!.header('authorization'), req!.header('x-ml-signature')]).toEqual([
      'POST',
      `/api/images/${image}/analyses`,
      'Bearer tok_test',
      undefined,
    ])
    expect(req!.json).toEqual({ image_id: image, model_name: 'yolo_v8', model_version: '1.0.0', parameters: { confidence_threshold: 0.5 }, group_id: 'batch-1' })
  })

  it('does not repeat a create without external_job_id on 5xx, but does on 429', async () => {
    const { client, delays } = makeClient(server)
    server.queue('POST', '/analyses', { status: 503, body: envelope('internal_error') })
    await rejection(client.createAnalysis(image, { model_name: 'm', model_version: '1' }))
    expect(server.requests).toHaveLength(1)
    server.queue('POST', '/analyses', { status: 429, body: envelope('rate_limited'), headers: { 'Retry-After': '1' } })
    await client.createAnalysis(image, { model_name: 'm', model_version: '1' })
    expect(delays).toEqual([1000])
  })

  it('retries a create with external_job_id, which the server makes idempotent', async () => {
    const { client } = makeClient(server)
    server.queue('POST', '/analyses', { status: 503, body: envelope('internal_error') }, DROP)
    const created = await client.createAnalysis(image, { model_name: 'm', model_version: '1', external_job_id: 'job-42', priority: 5 })
    expect(created.external_job_id).toBe('job-42')
    expect(server.requests).toHaveLength(3)
  })
})
