import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { continueOrStart, parseTraceparent } from '../../src/observability/trace-context'
import { api, scenario, signedRequest } from './helpers'
import { exports } from 'cloudflare:workers'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const PARENT = '00f067aa0ba902b7'
const VALID = `00-${TRACE}-${PARENT}-01`

/** Every line the Worker and its objects write while `fn` runs, through any console method. */
let lines: string[] = []
beforeEach(() => {
  lines = []
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')))
  }
})
afterEach(() => vi.restoreAllMocks())

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>)

describe('traceparent parsing (W3C Trace Context)', () => {
  it.each([
    ['uppercase hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${TRACE}-${PARENT}-01`],
    ['version 00 with a trailing field', `${VALID}-extra`],
    ['a short trace id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['no flags', `00-${TRACE}-${PARENT}`],
    ['garbage', 'hello'],
  ])('refuses %s', (_why, header) => {
    expect(parseTraceparent(header)).toBeNull()
  })

  it('accepts a version-00 header and ignores fields a later version appends', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, parentSpanId: PARENT, flags: '01' })
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-00-what-comes-next`)).toEqual({ traceId: TRACE, parentSpanId: PARENT, flags: '00' })
  })

  it('continues a valid trace with a new span, and starts one otherwise', () => {
    const continued = continueOrStart(VALID, 'vendor=abc')
    expect(continued).toMatchObject({ traceId: TRACE, parentSpanId: PARENT, flags: '01', tracestate: 'vendor=abc' })
    expect(continued.spanId).toMatch(/^[0-9a-f]{16}$/)
    expect(continued.spanId).not.toBe(PARENT)
    const started = continueOrStart('nope', 'vendor=abc')
    expect(started.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(started).toMatchObject({ parentSpanId: null, tracestate: null })
  })
})

describe('traces through the Worker', () => {
  it('continues the caller’s trace: traceresponse names the trace and a new span of ours', async () => {
    const res = await api('/api/health', { headers: { traceparent: VALID } })
    const [version, traceId, span, flags] = res.headers.get('traceresponse')!.split('-')
    expect([version, traceId, flags]).toEqual(['00', TRACE, '01'])
    expect(span).toMatch(/^[0-9a-f]{16}$/)
    expect(span).not.toBe(PARENT)
  })

  it('starts a trace when none comes in, and when the one that came in is malformed', async () => {
    const none = await api('/api/health')
    const bad = await api('/api/health', { headers: { traceparent: `00-${TRACE.toUpperCase()}-${PARENT}-01` } })
    const a = none.headers.get('traceresponse')!.split('-')[1]
    const b = bad.headers.get('traceresponse')!.split('-')[1]
    expect(a).toMatch(/^[0-9a-f]{32}$/)
    expect(b).toMatch(/^[0-9a-f]{32}$/)
    expect(b).not.toBe(TRACE.toLowerCase())
    expect(a).not.toBe(b)
    const line = parsed().find((l) => l.message === 'request' && l.traceparent_rejected)
    expect(line).toMatchObject({ trace_id: b, parent_span_id: null })
  })

  it('writes one JSON line per request with the request id and trace id', async () => {
    const res = await api('/api/health', { headers: { traceparent: VALID, 'X-Request-Id': 'req-0123456789' } })
    expect(res.status).toBe(200)
    const line = parsed().find((l) => l.message === 'request' && l.path === '/api/health')
    expect(line).toMatchObject({ level: 'info', request_id: 'req-0123456789', trace_id: TRACE, parent_span_id: PARENT, method: 'GET', status: 200 })
    expect(line!.span_id).toBe(res.headers.get('traceresponse')!.split('-')[2])
  })

  it('carries the trace into the run’s Durable Object: the object’s log lines have the callback’s trace id', async () => {
    const { analysis } = await scenario()
    lines = []
    const req = await signedRequest('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    req.headers.set('traceparent', VALID)
    const res = await exports.default.fetch(req)
    expect(res.status).toBe(200)
    const requestId = res.headers.get('X-Request-Id')
    const moved = parsed().find((l) => l.message === 'run moved' && l.run_id === analysis.id)
    expect(moved).toMatchObject({ trace_id: TRACE, request_id: requestId, status: 'processing', action: 'status' })
    // The object is its own span in the same trace.
    expect(moved!.span_id).not.toBe(res.headers.get('traceresponse')!.split('-')[2])
  })

  it('writes every log line as JSON with request_id and trace_id, errors included', async () => {
    const { owner, analysis } = await scenario()
    lines = []
    await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: owner.token, headers: { traceparent: VALID } })
    await api('/api/nope', { headers: { traceparent: VALID } })
    await api(`/api/analyses/${analysis.id}/status`, { method: 'PATCH', json: { status: 'processing' } })
    expect(lines.length).toBeGreaterThanOrEqual(4)
    for (const line of parsed()) {
      expect(line).toHaveProperty('request_id')
      expect(line).toHaveProperty('trace_id')
      expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/)
    }
    expect(parsed().filter((l) => l.trace_id === TRACE).map((l) => l.message)).toEqual(expect.arrayContaining(['run moved', 'request']))
  })
})
