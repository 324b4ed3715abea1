import { signatureHeaders } from '../../src/cli/sign'
import { median, percentile, setupAnalysisTarget, startBenchServer, type BenchServer } from '../dev-server'

/**
 * Opens SUBSCRIBERS WebSockets on one analysis against `wrangler dev`, posts signed status and log
 * callbacks, and measures callback-response → delivery latency at every subscriber, plus log lines
 * delivered per second. The same measurement with one subscriber is the in-run baseline.
 */
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000)
const STATUS_CALLBACKS = Number(process.env.STATUS_CALLBACKS ?? 30)
const LOG_REQUESTS = Number(process.env.LOG_REQUESTS ?? 20)
const LINES_PER_REQUEST = 100

interface Socket {
  ws: WebSocket
  arrivals: Map<number, number>
  logLines: number
  lastLogAt: number
}

async function open(s: BenchServer, id: string, n: number): Promise<Socket[]> {
  const url = `${s.baseUrl.replace('http', 'ws')}/api/analyses/${id}/live`
  const sockets: Socket[] = []
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () => {
      const socket: Socket = { ws: new WebSocket(url, { headers: { Authorization: `Bearer ${s.token}` } } as never), arrivals: new Map(), logLines: 0, lastLogAt: 0 }
      socket.ws.onmessage = (e) => {
        const now = performance.now()
        const m = JSON.parse(e.data as string) as { type: string; seq: number; lines?: unknown[] }
        socket.arrivals.set(m.seq, now)
        if (m.type === 'log') {
          socket.logLines += m.lines!.length
          socket.lastLogAt = now
        }
      }
      return new Promise<Socket>((resolve, reject) => {
        socket.ws.onopen = () => resolve(socket)
        socket.ws.onerror = () => reject(new Error('socket failed to open'))
      })
    })
    sockets.push(...(await Promise.all(batch)))
  }
  return sockets
}

async function signedPost(s: BenchServer, method: string, path: string, payload: unknown) {
  const body = JSON.stringify(payload)
  const res = await fetch(s.baseUrl + path, { method, headers: signatureHeaders(s.secret, body), body })
  const json = (await res.json()) as { version?: number }
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
  return performance.now()
}

async function measure(s: BenchServer, target: Awaited<ReturnType<typeof setupAnalysisTarget>>, subscribers: number) {
  const id = await target.newAnalysis()
  await signedPost(s, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' })
  const sockets = await open(s, id, subscribers)
  await new Promise((r) => setTimeout(r, 500))
  const latencies: number[] = []
  const fromSend: number[] = []
  let seq = Math.max(...sockets.map((k) => Math.max(0, ...k.arrivals.keys())))
  for (let i = 1; i <= STATUS_CALLBACKS; i++) {
    const sentAt = performance.now()
    const respondedAt = await signedPost(s, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing', progress: i / STATUS_CALLBACKS, stage: 'inference' })
    seq += 1
    const deadline = Date.now() + 10_000
    while (sockets.some((k) => !k.arrivals.has(seq)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2))
    for (const k of sockets) {
      latencies.push((k.arrivals.get(seq) ?? Number.NaN) - respondedAt)
      fromSend.push((k.arrivals.get(seq) ?? Number.NaN) - sentAt)
    }
  }
  const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ ts: new Date().toISOString(), level: 'info', message: `step ${i} of the inference loop` }))
  const started = performance.now()
  for (let i = 0; i < LOG_REQUESTS; i++) await signedPost(s, 'POST', `/api/analyses/${id}/logs`, { lines: lines(LINES_PER_REQUEST) })
  const want = LOG_REQUESTS * LINES_PER_REQUEST
  const deadline = Date.now() + 20_000
  while (sockets.some((k) => k.logLines < want) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  const finished = Math.max(...sockets.map((k) => k.lastLogAt))
  const delivered = sockets.reduce((n, k) => n + k.logLines, 0)
  for (const k of sockets) k.ws.close()
  const valid = latencies.filter((x) => !Number.isNaN(x))
  const sent = fromSend.filter((x) => !Number.isNaN(x))
  const round = (x: number) => Math.round(x * 10) / 10
  return {
    subscribers,
    deliveries: valid.length,
    missed: latencies.length - valid.length,
    // Negative: the event reached the subscriber before the pipeline had its HTTP response.
    after_response_p50_ms: round(median(valid)),
    after_response_p99_ms: round(percentile(valid, 99)),
    from_send_p50_ms: round(median(sent)),
    from_send_p99_ms: round(percentile(sent, 99)),
    log_lines_delivered_per_s: Math.round(delivered / ((finished - started) / 1000)),
  }
}

const server = await startBenchServer(Number(process.env.PORT ?? 8798))
try {
  const target = await setupAnalysisTarget(server)
  const baseline = await measure(server, target, 1)
  const fanout = await measure(server, target, SUBSCRIBERS)
  console.log(
    JSON.stringify(
      {
        baseline,
        fanout,
        from_send_p50_ratio: Math.round((fanout.from_send_p50_ms / baseline.from_send_p50_ms) * 10) / 10,
        from_send_p99_ratio: Math.round((fanout.from_send_p99_ms / baseline.from_send_p99_ms) * 10) / 10,
        log_throughput_ratio: Math.round((fanout.log_lines_delivered_per_s / baseline.log_lines_delivered_per_s) * 10) / 10,
      },
      null,
      2,
    ),
  )
} finally {
  server.stop()
}
