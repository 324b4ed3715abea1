import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AnalysisCanceled, nodeListener, verifyWebhook, webhookHandler, WebhookVerificationError, type WebhookEvent } from '../src'
import { ANALYSIS_ID, BASE, makeClient, StubServer } from './stub-server'

const SECRET = `whsec_${Buffer.from('a webhook secret of 32 bytes!!!!').toString('base64')}`
const OTHER = `whsec_${Buffer.from('another secret, also 32 bytes...').toString('base64')}`
const JOB_ID = '3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10'

const created = (id = ANALYSIS_ID) =>
  JSON.stringify({
    type: 'analysis.created',
    timestamp: new Date().toISOString(),
    data: { analysis: { id, status: 'queued', model_name: 'yolo_v8' }, image: { url: 'http://img' }, callback: { base_url: `http://x/api/analyses/${id}`, secret: 'mlcred_pushed' } },
  })

/** Headers as the standardwebhooks package signs them: the independent implementation. */
function theirHeaders(secret: string, id: string, body: string, at = new Date()) {
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) }
}

const theirVerdict = (headers: Record<string, string>, body: string) => {
  try {
    new Webhook(SECRET).verify(body, headers)
    return true
  } catch {
    return false
  }
}
const ourVerdict = (headers: Record<string, string>, body: string) => verifyWebhook(SECRET, headers, body).then(() => true, () => false)

describe('verifyWebhook', () => {
  const body = created()
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000)
  const cases: [string, Record<string, string>, string, boolean][] = [
    ['a delivery signed with the secret', theirHeaders(SECRET, 'msg_1', body), body, true],
    ['several signatures, one of them valid (rotation)', { ...theirHeaders(SECRET, 'msg_2', body), 'webhook-signature': `${theirHeaders(OTHER, 'msg_2', body)['webhook-signature']} ${theirHeaders(SECRET, 'msg_2', body)['webhook-signature']}` }, body, true],
    ['a timestamp 4 minutes old', theirHeaders(SECRET, 'msg_3', body, minutesAgo(4)), body, true],
    ['a tampered body', theirHeaders(SECRET, 'msg_4', body), body.replace('yolo_v8', 'yolo_v9'), false],
    ['the wrong secret', theirHeaders(OTHER, 'msg_5', body), body, false],
    ['a timestamp 6 minutes old', theirHeaders(SECRET, 'msg_6', body, minutesAgo(6)), body, false],
    ['a timestamp 6 minutes ahead', theirHeaders(SECRET, 'msg_7', body, minutesAgo(-6)), body, false],
    ['another webhook-id than the one signed', { ...theirHeaders(SECRET, 'msg_8', body), 'webhook-id': 'msg_other' }, body, false],
    ['a signature without its v1, scheme', { ...theirHeaders(SECRET, 'msg_9', body), 'webhook-signature': theirHeaders(SECRET, 'msg_9', body)['webhook-signature'].slice(3) }, body, false],
    ['no signature header', { 'webhook-id': 'msg_10', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) }, body, false],
  ]

  it.each(cases)('agrees with the standardwebhooks package on %s', async (_name, headers, received, valid) => {
    expect(theirVerdict(headers, received)).toBe(valid)
    expect(await ourVerdict(headers, received)).toBe(valid)
  })

  it('reads a Headers object and the raw bytes, and resolves to the event', async () => {
    const headers = new Headers(theirHeaders(SECRET, 'msg_bytes', body))
    const event = await verifyWebhook(SECRET, headers, new TextEncoder().encode(body))
    expect(event.type).toBe('analysis.created')
    expect((event.data.analysis as { id: string }).id).toBe(ANALYSIS_ID)
  })

  it('throws WebhookVerificationError, and takes the secret without its whsec_ prefix too', async () => {
    const headers = theirHeaders(SECRET, 'msg_11', body)
    await expect(verifyWebhook(OTHER, headers, body)).rejects.toBeInstanceOf(WebhookVerificationError)
    await expect(verifyWebhook(SECRET.slice('whsec_'.length), headers, body)).resolves.toMatchObject({ type: 'analysis.created' })
    await expect(verifyWebhook([OTHER, SECRET], headers, body)).resolves.toMatchObject({ type: 'analysis.created' })
    expect(() => verifyWebhook('whsec_', headers, body)).toThrow(TypeError)
  })
})

describe('webhookHandler', () => {
  let server: StubServer
  beforeEach(async () => {
    server = await StubServer.start()
  })
  afterEach(() => server.close())

  function receiver(options: Partial<Parameters<typeof webhookHandler>[1]> = {}) {
    const { client, warnings } = makeClient(server, { secret: null })
    const work: Promise<unknown>[] = []
    const events: WebhookEvent[] = []
    const handle = webhookHandler(client, { secret: SECRET, waitUntil: (p) => work.push(p), onEvent: (e) => void events.push(e), ...options })
    const deliver = (body: string, id = `msg_${crypto.randomUUID()}`, headers = theirHeaders(SECRET, id, body)) =>
      handle(new Request('http://receiver/loupe', { method: 'POST', headers, body }))
    return { deliver, handle, work, events, warnings, settled: () => Promise.all(work) }
  }

  it('answers 204 before the work, then runs analysis.created through withAnalysis with the delivery’s credential', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const seen: string[] = []
    const r = receiver({
      analysis: async (run, event) => {
        seen.push((event.data.image as { url: string }).url)
        await run.start()
        await gate
      },
    })
    const response = await r.deliver(created())
    expect(response.status).toBe(204)
    expect(r.work).toHaveLength(1)
    expect(server.matching('POST', `${BASE}/finalize`)).toHaveLength(0) // still working after the answer
    release()
    await r.settled()
    expect(seen).toEqual(['http://img'])
    const [start] = server.matching('PATCH', `${BASE}/status`)
    expect(start!.signatureValid('mlcred_pushed')).toBe(true)
    const [finalize] = server.matching('POST', `${BASE}/finalize`)
    expect(finalize!.json).toEqual({ status: 'completed' })
    expect(finalize!.signatureValid('mlcred_pushed')).toBe(true)
  })

  it('runs job.runnable through withJob: a handler that throws fails the job', async () => {
    server.queue('POST', `/api/jobs/${JOB_ID}/finalize`, { status: 200, body: { id: JOB_ID, status: 'failed' } })
    const r = receiver({
      job: () => {
        throw new Error('no GPU')
      },
    })
    const body = JSON.stringify({ type: 'job.runnable', timestamp: '', data: { job: { id: JOB_ID }, callback: { secret: 'mlcred_job' } } })
    expect((await r.deliver(body)).status).toBe(204)
    await r.settled()
    const [finalize] = server.matching('POST', `/api/jobs/${JOB_ID}/finalize`)
    expect(finalize!.json).toEqual({ status: 'failed', error_message: 'no GPU' })
    expect(finalize!.signatureValid('mlcred_job')).toBe(true)
  })

  it('aborts the running handler on analysis.canceled, does not finalize it, and hands the event to onEvent', async () => {
    let reason: unknown
    const r = receiver({
      analysis: (_run, _event, signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            reason = signal.reason
            reject(signal.reason)
          }),
        ),
    })
    await r.deliver(created())
    const canceled = JSON.stringify({ type: 'analysis.canceled', timestamp: '', data: { analysis: { id: ANALYSIS_ID, status: 'canceled' } } })
    expect((await r.deliver(canceled)).status).toBe(204)
    await r.settled()
    expect(reason).toBeInstanceOf(AnalysisCanceled)
    expect(server.requests.filter((q) => q.path.endsWith('/finalize'))).toHaveLength(0)
    expect(r.events.map((e) => e.type)).toEqual(['analysis.canceled'])
    expect(r.warnings).toEqual([])
  })

  it('hands lifecycle events to onEvent and makes no callback', async () => {
    const r = receiver({ analysis: () => {} })
    for (const type of ['analysis.completed', 'analysis.failed', 'job.completed']) {
      expect((await r.deliver(JSON.stringify({ type, timestamp: '', data: { analysis: { id: ANALYSIS_ID } } }))).status).toBe(204)
    }
    await r.settled()
    expect(r.events.map((e) => e.type)).toEqual(['analysis.completed', 'analysis.failed', 'job.completed'])
    expect(server.requests).toHaveLength(0)
  })

  it('keeps the work alive through the context a Workers fetch passes, and ignores other second arguments', async () => {
    const r = receiver({ analysis: () => {} })
    const viaContext: Promise<unknown>[] = []
    const body = created()
    const ctx = { waitUntil: (p: Promise<unknown>) => void viaContext.push(p) }
    await r.handle(new Request('http://receiver/loupe', { method: 'POST', headers: theirHeaders(SECRET, 'msg_ctx', body), body }), ctx)
    expect([viaContext.length, r.work.length]).toEqual([1, 0])
    await Promise.all(viaContext)
    await r.handle(new Request('http://receiver/loupe', { method: 'POST', headers: theirHeaders(SECRET, 'msg_bun', body), body }), { upgrade() {} })
    expect(r.work).toHaveLength(1)
    await r.settled()
  })

  it('runs a retried delivery (the same webhook-id) once', async () => {
    let runs = 0
    const r = receiver({ analysis: () => void runs++ })
    const body = created()
    await r.deliver(body, 'msg_same')
    await r.deliver(body, 'msg_same')
    await r.settled()
    expect(runs).toBe(1)
  })

  it('answers 401 to a bad signature or an old delivery and 405 to a GET, and does nothing', async () => {
    let runs = 0
    const r = receiver({ analysis: () => void runs++ })
    const body = created()
    expect((await r.deliver(body, 'msg_a', theirHeaders(OTHER, 'msg_a', body))).status).toBe(401)
    expect((await r.deliver(body, 'msg_b', theirHeaders(SECRET, 'msg_b', body, new Date(Date.now() - 600_000)))).status).toBe(401)
    expect((await r.handle(new Request('http://receiver/loupe'))).status).toBe(405)
    await r.settled()
    expect(runs).toBe(0)
    expect(r.events).toEqual([])
    expect(server.requests).toHaveLength(0)
  })

  it('serves on node:http through nodeListener', async () => {
    let runs = 0
    const r = receiver({ analysis: () => void runs++ })
    const http: Server = createServer(nodeListener(r.handle))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/loupe`
    try {
      const body = created()
      const good = await fetch(url, { method: 'POST', headers: theirHeaders(SECRET, 'msg_node', body), body })
      const bad = await fetch(url, { method: 'POST', headers: theirHeaders(OTHER, 'msg_bad', body), body })
      expect([good.status, bad.status]).toEqual([204, 401])
      expect(await bad.text()).toBe('no webhook-signature matches')
      await r.settled()
      expect(runs).toBe(1)
    } finally {
      http.closeAllConnections()
      await new Promise((resolve) => http.close(resolve))
    }
  })
})
