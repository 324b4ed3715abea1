/**
 * A scriptable stub of the Loupe API: a real node:http server on 127.0.0.1 with an ephemeral port.
 * It records every request (method, raw path, headers, raw body), checks HMAC signatures over the
 * raw bytes it received as the server does, and answers like a healthy Loupe unless a test queued
 * other answers.
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { LoupeClient, type LoupeClientOptions } from '../src'

export const SECRET = 'test_secret_123'
export const TOKEN = 'tok_test'
export const ANALYSIS_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7'
export const BASE = `/api/analyses/${ANALYSIS_ID}`

/** A scripted answer that closes the connection without responding: a network error. */
export const DROP = 'DROP'
/** `delayMs` holds the answer back, as a long-poll with nothing to hand out does. */
export type Reply = typeof DROP | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }

export const envelope = (code: string, message = 'nope', details: unknown = null) => ({ error: { code, message, details } })

export class Recorded {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly headers: IncomingHttpHeaders,
    readonly body: Buffer,
  ) {}

  get json(): any {
    return this.body.length ? JSON.parse(this.body.toString('utf8')) : undefined
  }

  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()]
    return Array.isArray(value) ? value[0] : value
  }

  signatureValid(secret = SECRET): boolean {
    const signature = this.header('x-ml-signature')
    const timestamp = this.header('x-ml-timestamp')
    if (!signature || !timestamp) return false
    const expected = createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${timestamp}.`), this.body])).digest('hex')
    return signature === `sha256=${expected}`
  }
}

const analysis = (status: string, extra: Record<string, unknown> = {}) => ({ id: ANALYSIS_ID, status, progress: 0, stage: null, ...extra })

export class StubServer {
  readonly requests: Recorded[] = []
  url = ''
  private readonly queues: { method: string; fragment: string; replies: Reply[] }[] = []
  private readonly server: Server

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const recorded = new Recorded(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks))
        this.requests.push(recorded)
        const reply = this.next(recorded)
        if (reply === DROP) {
          req.socket.destroy()
          return
        }
        if (reply.delayMs) {
          setTimeout(() => this.answer(res, { ...reply, delayMs: 0 }), reply.delayMs)
          return
        }
        this.answer(res, reply)
      })
    })
  }

  private answer(res: ServerResponse, reply: Exclude<Reply, typeof DROP>): void {
    if (res.destroyed) return
    const raw = reply.body === undefined ? '' : Buffer.isBuffer(reply.body) || typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
    res.writeHead(reply.status, {
      'X-Request-Id': `req-${this.requests.length}`,
      ...(reply.body !== undefined && !Buffer.isBuffer(reply.body) && typeof reply.body !== 'string' && { 'Content-Type': 'application/json' }),
      ...reply.headers,
    })
    res.end(raw)
  }

  static async start(): Promise<StubServer> {
    const stub = new StubServer()
    await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve))
    stub.url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`
    return stub
  }

  /** The next requests matching `method` and containing `fragment` get these answers, in order. */
  queue(method: string, fragment: string, ...replies: Reply[]): void {
    this.queues.push({ method, fragment, replies })
  }

  matching(method: string, fragment: string): Recorded[] {
    return this.requests.filter((r) => r.method === method && r.path.includes(fragment))
  }

  /** The last path segment of each request, e.g. ['status', 'logs', 'finalize']. */
  kinds(): string[] {
    return this.requests.map((r) => r.path.split('?')[0]!.split('/').pop()!)
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private next(req: Recorded): Reply {
    for (const q of this.queues) {
      if (q.method === req.method && req.path.includes(q.fragment) && q.replies.length) return q.replies.shift()!
    }
    return defaultReply(this, req)
  }
}

/** What a healthy Loupe answers, enough for the SDK to carry on. */
function defaultReply(server: StubServer, req: Recorded): Reply {
  const body = req.header('content-type') === 'application/json' ? req.json : undefined
  const path = req.path.split('?')[0]!
  if (req.method === 'PUT' && path.startsWith('/upload/')) return { status: 200 }
  if (path.endsWith('/annotations:bulk')) {
    const n = body.annotations.length
    return { status: 200, body: { annotations: [], total: n, created: n, updated: 0, duplicates: 0 } }
  }
  if (path.endsWith('/artifacts/presign')) {
    return {
      status: 200,
      body: {
        upload_url: `${server.url}/upload/${body.filename}?sig=abc`,
        storage_path: `ml_outputs/${ANALYSIS_ID}/${body.filename}`,
        expires_at: '2030-01-01T00:00:00.000Z',
        method: 'PUT',
        headers: { 'Content-Type': body.content_type ?? 'image/png' },
      },
    }
  }
  if (path.endsWith('/logs')) return { status: 200, body: { accepted: body.lines.length, total: body.lines.length } }
  if (path.endsWith('/finalize')) return { status: 200, body: analysis(body.status, { error_message: body.error_message ?? null }) }
  if (path.endsWith('/status')) return { status: 200, body: analysis(body.status) }
  if (path.endsWith('/progress')) return { status: 200, body: analysis('processing', { progress: body.progress ?? 0, stage: body.stage ?? null }) }
  if (path.endsWith('/analyses') && req.method === 'POST') return { status: 201, body: { ...analysis('queued'), ...body, annotations: [] } }
  if (path.endsWith('/live') && req.method === 'GET') return { status: 426, body: envelope('bad_request', 'This endpoint speaks WebSocket') }
  if (path.endsWith('/cancel')) return { status: 200, body: analysis('canceled') }
  // Claims: nothing waiting, and every lease still this client's.
  if (path === '/api/pipelines/claim') return { status: 200, body: { claimed: [] } }
  if (path === '/api/pipelines/claim/renew') return { status: 200, body: { token: body.token, expires_at: new Date(Date.now() + 300_000).toISOString() } }
  if (path === '/api/pipelines/claim/release') return { status: 200, body: { kind: body.kind, id: body.id, status: 'queued' } }
  return { status: 404, body: envelope('not_found', `no stub for ${req.method} ${path}`) }
}

/** One element of a claim's answer, as the server builds it. */
export function claimedRun(kind: 'analysis' | 'job', id: string, lease: { token: string; expires_at?: string }, data: Record<string, unknown> = {}) {
  const event = kind === 'analysis' ? 'analysis.created' : 'job.runnable'
  return { kind, id, event, lease: { expires_at: '2030-01-01T00:00:00.000Z', ...lease }, data: { callback: { secret: `mlcred_${lease.token}` }, ...data } }
}

/** Resolves once `check` holds, polling; fails the test after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A clock the test moves by hand (milliseconds). */
export class FakeClock {
  constructor(public t = 1_000_000) {}
  readonly now = () => this.t
  advance(ms: number): void {
    this.t += ms
  }
}

/** A client against `server` whose sleeps are recorded instead of slept, with progress unthrottled. */
export function makeClient(server: StubServer, options: Partial<LoupeClientOptions> = {}) {
  const delays: number[] = []
  const warnings: string[] = []
  const client = new LoupeClient({
    baseUrl: server.url,
    secret: SECRET,
    token: TOKEN,
    progressIntervalMs: 0,
    sleep: async (ms) => {
      delays.push(ms)
    },
    logger: { debug() {}, warn: (m) => warnings.push(m) },
    ...options,
  })
  return { client, delays, warnings }
}
