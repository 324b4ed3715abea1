import { Webhook } from 'standardwebhooks'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseTraceparent, runWorker, Trace, webhookHandler } from '../src'
import { ANALYSIS_ID, BASE, claimedRun, makeClient, StubServer, type Recorded } from './stub-server'

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/
const INCOMING = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
const INCOMING_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const WEBHOOK_SECRET = `whsec_${Buffer.from('a webhook secret of 32 bytes!!!!').toString('base64')}`

const traceparentOf = (r: Recorded) => r.header('traceparent') ?? ''
const traceIdOf = (r: Recorded) => traceparentOf(r).split('-')[1]
const spanOf = (r: Recorded) => traceparentOf(r).split('-')[2]

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
})
afterEach(() => server.close())

describe('traceparent on every request', () => {
  it('is version 00, sampled, with ids that are not all zeros, on user calls and callbacks', async () => {
    const { client } = makeClient(server)
    await client.createAnalysis('img-1', { model_name: 'm', model_version: '1' })
    await client.withAnalysis(ANALYSIS_ID, (run) => run.start())
    expect(server.requests.length).toBe(3)
    for (const r of server.requests) {
      expect(traceparentOf(r)).toMatch(TRACEPARENT)
      expect(traceIdOf(r)).not.toBe('0'.repeat(32))
      expect(spanOf(r)).not.toBe('0'.repeat(16))
    }
  })

  it('keeps one trace id across a run’s callbacks, uploads to Loupe included, with a fresh span for each request', async () => {
    const { client } = makeClient(server)
    let traceId = ''
    await client.withAnalysis(ANALYSIS_ID, async (run) => {
      traceId = run.traceId
      await run.start()
      await run.stage('inference', (progress) => progress(0.5))
      await run.upload('heatmap', 'h.png', new Uint8Array([1, 2, 3]), 'image/png')
      run.info('done')
    })
    expect(server.kinds()).toEqual(expect.arrayContaining(['status', 'progress', 'presign', 'h.png', 'logs', 'finalize']))
    expect(new Set(server.requests.map(traceIdOf))).toEqual(new Set([traceId]))
    expect(new Set(server.requests.map(spanOf)).size).toBe(server.requests.length)
  })

  it('gives each run its own trace, and each request outside a run its own', async () => {
    const { client } = makeClient(server)
    const a = client.analysis(ANALYSIS_ID)
    const b = client.analysis(ANALYSIS_ID)
    expect(a.traceId).not.toBe(b.traceId)
    await client.getAnalysis(ANALYSIS_ID).catch(() => {})
    await client.getAnalysis(ANALYSIS_ID).catch(() => {})
    const [first, second] = server.requests
    expect(traceIdOf(first!)).not.toBe(traceIdOf(second!))
  })

  it('sends a fresh span on each retry of one request, in the same trace', async () => {
    const { client } = makeClient(server)
    server.queue('PATCH', '/status', { status: 503 })
    await client.analysis(ANALYSIS_ID).start()
    const [failed, retried] = server.matching('PATCH', '/status')
    expect(traceIdOf(retried!)).toBe(traceIdOf(failed!))
    expect(spanOf(retried!)).not.toBe(spanOf(failed!))
  })
})

describe('continuing a trace', () => {
  it('continues a run’s traceparent: same trace id, new spans', async () => {
    const { client } = makeClient(server)
    await client.withAnalysis(ANALYSIS_ID, (run) => run.start(), { traceparent: INCOMING })
    for (const r of server.requests) {
      expect(traceIdOf(r)).toBe(INCOMING_TRACE)
      expect(spanOf(r)).not.toBe('00f067aa0ba902b7')
    }
  })

  it('continues the client’s traceparent on every call and run, and a per-call one over it', async () => {
    const { client } = makeClient(server, { traceparent: INCOMING })
    await client.createAnalysis('img-1', { model_name: 'm', model_version: '1' })
    expect(client.analysis(ANALYSIS_ID).traceId).toBe(INCOMING_TRACE)
    const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    await client.createAnalysis('img-2', { model_name: 'm', model_version: '1' }, { traceparent: other })
    expect(server.requests.map(traceIdOf)).toEqual([INCOMING_TRACE, '0af7651916cd43dd8448eb211c80319c'])
  })

  it.each([
    ['uppercase hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero span id', `00-${INCOMING_TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${INCOMING_TRACE}-00f067aa0ba902b7-01`],
    ['version 00 with more after the flags', `${INCOMING}-extra`],
    ['a short trace id', '00-4bf92f35-00f067aa0ba902b7-01'],
    ['garbage', 'not a traceparent'],
  ])('starts a new trace instead of continuing %s', async (_name, header) => {
    expect(parseTraceparent(header)).toBeNull()
    const { client } = makeClient(server)
    const run = client.analysis(ANALYSIS_ID, { traceparent: header })
    await run.start()
    expect(run.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(run.traceId).not.toBe(INCOMING_TRACE)
    expect(traceparentOf(server.requests[0]!)).toMatch(TRACEPARENT)
    expect(traceIdOf(server.requests[0]!)).toBe(run.traceId)
  })

  it('takes a later version’s extra fields as the spec says', () => {
    expect(parseTraceparent(`01-${INCOMING_TRACE}-00f067aa0ba902b7-01-future`)).toEqual({ traceId: INCOMING_TRACE, parentSpanId: '00f067aa0ba902b7' })
    expect(Trace.continue(INCOMING).traceparent()).toMatch(new RegExp(`^00-${INCOMING_TRACE}-[0-9a-f]{16}-01$`))
  })
})

describe('runs handed over', () => {
  const delivery = (id = `msg_${crypto.randomUUID()}`) => {
    const body = JSON.stringify({
      type: 'analysis.created',
      timestamp: new Date().toISOString(),
      data: { analysis: { id: ANALYSIS_ID, status: 'queued' }, callback: { secret: 'mlcred_pushed' } },
    })
    const at = new Date()
    return { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(WEBHOOK_SECRET).sign(id, at, body) } }
  }

  async function receive(traceparent?: string): Promise<string> {
    const { client } = makeClient(server)
    const work: Promise<unknown>[] = []
    let traceId = ''
    const handle = webhookHandler(client, {
      secret: WEBHOOK_SECRET,
      waitUntil: (p) => work.push(p),
      analysis: async (run) => {
        traceId = run.traceId
        await run.start()
      },
    })
    const { body, headers } = delivery()
    const res = await handle(new Request('http://receiver/loupe', { method: 'POST', headers: { ...headers, ...(traceparent && { traceparent }) }, body }))
    expect(res.status).toBe(204)
    await Promise.all(work)
    return traceId
  }

  it('a pushed run continues the delivery’s traceparent in every callback', async () => {
    expect(await receive(INCOMING)).toBe(INCOMING_TRACE)
    expect(server.kinds()).toEqual(['status', 'finalize'])
    expect(new Set(server.requests.map(traceIdOf))).toEqual(new Set([INCOMING_TRACE]))
  })

  it('a pushed run whose delivery has a malformed traceparent, or none, starts its own trace', async () => {
    const broken = await receive('00-zz-00f067aa0ba902b7-01')
    const none = await receive()
    for (const traceId of [broken, none]) expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(broken).not.toBe(none)
    expect(server.requests.map(traceIdOf)).toEqual([broken, broken, none, none])
  })

  it('a claimed run has a trace of its own, apart from the claim’s', async () => {
    const { client } = makeClient(server, { apiKey: 'mlpip_test' })
    server.queue('POST', '/api/pipelines/claim', { status: 200, body: { claimed: [claimedRun('analysis', ANALYSIS_ID, { token: 'lease-1' })] } })
    const stop = new AbortController()
    let traceId = ''
    await runWorker(client, {
      analysis: async (run) => {
        traceId = run.traceId
        await run.start()
      },
      onRun: () => stop.abort(),
      signal: stop.signal,
      idleMs: 0,
    })
    const callbacks = server.requests.filter((r) => r.path.startsWith(BASE))
    expect(callbacks.map((r) => r.path.split('/').pop())).toEqual(['status', 'finalize'])
    expect(new Set(callbacks.map(traceIdOf))).toEqual(new Set([traceId]))
    expect(traceIdOf(server.matching('POST', '/api/pipelines/claim')[0]!)).not.toBe(traceId)
  })
})
