import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { LoupeClient, nodeListener, Trace, webhookHandler, type WebhookReceiver } from '../../sdk/typescript/src'
import { serverApi } from './server-api'

/**
 * One trace from the SDK through the Worker into the pipeline (docs/operations.md#traces), against
 * a real `wrangler dev` with push on: a trace the SDK starts when it creates an analysis is the
 * trace of the push delivery's `traceparent`, of the run the SDK's webhook receiver makes of it,
 * of the receiver's own log line, and of every Worker log line of the run's callbacks. The
 * reference pipeline as a pull worker prints each run's trace id, and the Worker's lines for that
 * run's callbacks carry the same one.
 */
const PORT = Number(process.env.E2E_TRACE_PORT ?? 8891)
const PIPELINE = 'pipelines/reference'
const PUSHED_MODEL = 'traced_pushed'
const PULLED_MODEL = 'traced_pulled'

/** A line the Worker (or one of its objects) wrote: one JSON object (docs/operations.md#logs). */
interface WorkerLine {
  message: string
  trace_id: string | null
  method?: string
  path?: string
  run_id?: string
}

let server: BenchServer
const output: string[] = []
const api = serverApi(() => server)
let imageId: string

/** The Worker's JSON lines among everything `wrangler dev` printed (wrangler's own lines are not JSON). */
function workerLines(): WorkerLine[] {
  const lines: WorkerLine[] = []
  for (const line of output) {
    const at = line.indexOf('{"level"')
    if (at < 0) continue
    try {
      lines.push(JSON.parse(line.slice(at)) as WorkerLine)
    } catch {
      // a line wrangler cut or wrapped
    }
  }
  return lines
}

/** The Worker's request lines for `path`s containing `fragment`. */
const requestLines = (fragment: string) => workerLines().filter((l) => l.message === 'request' && l.path?.includes(fragment))

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() - started > timeoutMs) throw new Error(`no ${what} within ${timeoutMs} ms`)
    await sleep(200)
  }
}

const finalized = (id: string) => until(() => api<{ status: string }>('GET', `/api/analyses/${id}`), (a) => a.status === 'completed', `completed analysis ${id}`)

/** What the receiver saw: each delivery's `traceparent`, and the lines its analysis handler logged. */
interface PushReceiver {
  url: string
  server: Server
  deliveries: { type: string; traceparent: string | null }[]
  log: string[]
  /** Set once the pipeline's webhook secret exists: the receiver is registered before it. */
  listen(secret: string): void
}

async function startPushReceiver(): Promise<PushReceiver> {
  const client = new LoupeClient({ baseUrl: `http://127.0.0.1:${PORT}`, secret: null })
  let receive: WebhookReceiver | undefined
  const receiver: PushReceiver = {
    url: '',
    server: createServer(),
    deliveries: [],
    log: [],
    listen(secret) {
      receive = webhookHandler(client, {
        secret,
        // The receiver's own log line, as a pipeline would write it: with the run's trace id.
        analysis: async (run) => {
          receiver.log.push(`started analysis ${run.id} trace_id=${run.traceId}`)
          await run.start()
          await run.progress(0.5, 'inference')
          run.info('traced')
        },
      })
    },
  }
  receiver.server.on(
    'request',
    nodeListener(async (request) => {
      const event = (await request.clone().json()) as { type: string }
      receiver.deliveries.push({ type: event.type, traceparent: request.headers.get('traceparent') })
      return receive ? receive(request) : new Response(null, { status: 503 })
    }),
  )
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`
  return receiver
}

let receiver: PushReceiver
let worker: ChildProcess | undefined
const workerOutput: string[] = []

beforeAll(async () => {
  receiver = await startPushReceiver()
  server = await startBenchServer(PORT, {
    vars: { ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'true', ML_WEBHOOK_ALLOW_LOOPBACK: 'true', ML_WEBHOOK_RETRY_SCHEDULE: '1,1' },
    onOutput: (line) => output.push(line),
  })
  const projectId = (await api<{ id: string }>('POST', '/api/projects', { name: 'traces' })).id
  const form = new FormData()
  form.append('file', new File([readFileSync('test/fixtures/images/astronaut.png')], 'astronaut.png', { type: 'image/png' }))
  imageId = (await api<{ id: string }>('POST', `/api/projects/${projectId}/images`, form)).id

  const pushed = await api<{ id: string }>('POST', '/api/pipelines', { name: 'traced pusher', model_names: [PUSHED_MODEL], webhook_url: receiver.url })
  await api('POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: pushed.id })
  receiver.listen((await api<{ secret: string }>('POST', `/api/pipelines/${pushed.id}/secrets`, { purpose: 'webhook' })).secret)

  // No webhook URL: nothing is pushed for this model, so its analyses wait for a claim.
  const pulled = await api<{ id: string }>('POST', '/api/pipelines', { name: 'traced puller', model_names: [PULLED_MODEL] })
  await api('POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: pulled.id })
  const key = (await api<{ key: string }>('POST', `/api/pipelines/${pulled.id}/keys`, { name: 'worker' })).key
  const env: NodeJS.ProcessEnv = { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_API_KEY: key }
  delete env.LOUPE_TOKEN
  delete env.ML_CALLBACK_HMAC_SECRET
  worker = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', '--pull', '--adapter', 'mock'], { cwd: PIPELINE, env, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const stream of [worker.stdout!, worker.stderr!]) createInterface({ input: stream }).on('line', (line) => workerOutput.push(line))
}, 240_000)

afterAll(async () => {
  worker?.kill('SIGTERM')
  server?.stop()
  await new Promise((resolve) => receiver?.server.close(resolve))
})

describe('one trace from the SDK through the Worker into the pipeline', () => {
  it('a trace the SDK starts on a create is the push delivery’s, the receiver’s run’s, and every callback’s in the Worker’s logs', async () => {
    const trace = Trace.start()
    const sdk = new LoupeClient({ baseUrl: server.baseUrl, token: server.token })
    const { id } = await sdk.createAnalysis(imageId, { model_name: PUSHED_MODEL, model_version: '1' }, { traceparent: trace.traceparent() })
    await finalized(id)

    // The SDK's create, as the Worker logged it.
    const [create] = requestLines(`/api/images/${imageId}/analyses`).filter((l) => l.method === 'POST')
    expect(create?.trace_id).toBe(trace.traceId)

    // The delivery the receiver got names the same trace, with a span of the Worker's.
    const [delivery] = receiver.deliveries.filter((d) => d.type === 'analysis.created')
    expect(delivery, 'an analysis.created delivery').toBeDefined()
    expect(delivery!.traceparent ?? '(no traceparent header)', 'the delivery continues the create’s trace').toMatch(new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-[0-9a-f]{2}$`))

    // The receiver's run continued it: its log line, and every callback the Worker logged.
    expect(receiver.log).toContain(`started analysis ${id} trace_id=${trace.traceId}`)
    const callbacks = await until(() => requestLines(`/api/analyses/${id}/`), (l) => l.some((x) => x.path!.endsWith('/finalize')), 'finalize line')
    expect(callbacks.map((l) => l.path!.split('/').pop())).toEqual(expect.arrayContaining(['status', 'progress', 'logs', 'finalize']))
    expect(new Set(callbacks.map((l) => l.trace_id))).toEqual(new Set([trace.traceId]))
    // The run's object wrote its moves in the same trace.
    const moves = workerLines().filter((l) => l.message === 'run moved' && l.run_id === id)
    expect(moves.length).toBeGreaterThan(0)
    expect(new Set(moves.map((l) => l.trace_id))).toEqual(new Set([trace.traceId]))
  })

  it('the reference pipeline as a pull worker prints each run’s trace id, the one on the Worker’s lines for its callbacks', async () => {
    const { id } = await api<{ id: string }>('POST', `/api/images/${imageId}/analyses`, { model_name: PULLED_MODEL, model_version: '1' })
    await finalized(id)
    const printed = await until(
      () => workerOutput.find((l) => l.startsWith(`completed analysis ${id}:`)),
      (line) => line !== undefined,
      `the worker's line for ${id}`,
    )
    const traceId = / trace_id=([0-9a-f]{32})$/.exec(printed!)?.[1]
    expect(traceId, printed).toBeDefined()
    expect(workerOutput).toContain(`started analysis ${id} trace_id=${traceId}`)
    const callbacks = await until(() => requestLines(`/api/analyses/${id}/`), (l) => l.some((x) => x.path!.endsWith('/finalize')), 'finalize line')
    expect(callbacks.map((l) => l.path!.split('/').pop())).toEqual(expect.arrayContaining(['status', 'progress', 'finalize']))
    expect(new Set(callbacks.map((l) => l.trace_id))).toEqual(new Set([traceId]))
  })
})
