import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { signatureHeaders } from '../../src/cli/sign'
import { devBundleMap, profile, summarize } from '../cpu-profile'
import { median, percentile, setupAnalysisTarget, startBenchServer, type BenchServer } from '../dev-server'
import { emit, int, ms, ratio, type Row } from '../report'
import { cpuMs, workerdPid } from '../workerd-memory'

/**
 * SUBSCRIBERS WebSockets on one analysis, spread over SUBSCRIBER_PROCESSES Node processes so the
 * sender's event loop does not share its process with a thousand sockets; the baseline is the
 * same run with one subscriber (in its own process too). Every signed status callback with
 * progress broadcasts one event; latency runs from just before the callback is sent to each
 * socket's arrival, on the epoch clock all processes share. The next callback goes out once every
 * socket has the last one. Then log callbacks measure delivered log lines per second.
 *
 * The object's own broadcast time: if the callback response carries `Server-Timing: broadcast;dur=…`
 * it is reported as is. Otherwise, with an inspector, a short extra burst runs under the CPU
 * profiler and `broadcast()`'s inclusive time per event is read from the profile.
 */
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000)
const PROCESSES = Number(process.env.SUBSCRIBER_PROCESSES ?? 4)
const STATUS_CALLBACKS = Number(process.env.STATUS_CALLBACKS ?? 30)
const PROFILED_CALLBACKS = 10
const LOG_REQUESTS = Number(process.env.LOG_REQUESTS ?? 20)
const LINES_PER_REQUEST = 100
/** `runtime` (default): straight to workerd; `proxy`: through wrangler's dev proxy, one more hop per frame. */
const VIA = process.env.VIA === 'proxy' ? 'proxy' : 'runtime'
const SUBSCRIBER = fileURLToPath(new URL('./subscriber.ts', import.meta.url))

const base = (s: BenchServer) => (VIA === 'runtime' && s.runtimeUrl) || s.baseUrl

const epoch = () => performance.timeOrigin + performance.now()

interface Report {
  arrivals: [number, number[]][]
  serverAt: [number, number][]
  logLines: number
  lastLogAt: number
  sockets: number
}

class Subscribers {
  private readonly got = new Map<number, number>()
  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      child.on('message', (m: { type: string; seq?: number }) => {
        if (m.type === 'got') this.got.set(m.seq!, (this.got.get(m.seq!) ?? 0) + 1)
      })
    }
  }

  static async open(s: BenchServer, analysisId: string, total: number, processes: number): Promise<{ subs: Subscribers; seq: number }> {
    const url = `${base(s).replace('http', 'ws')}/api/analyses/${analysisId}/live`
    const n = Math.min(processes, total)
    const children = Array.from({ length: n }, () => fork(SUBSCRIBER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
    const opened = await Promise.all(
      children.map((child, i) => {
        const count = Math.floor(total / n) + (i < total % n ? 1 : 0)
        return new Promise<{ maxSeq: number }>((resolve) => {
          const onMessage = (m: { type: string; maxSeq: number }) => {
            if (m.type !== 'opened') return
            child.off('message', onMessage)
            resolve(m)
          }
          child.on('message', onMessage)
          child.send({ type: 'open', url, token: s.token, count })
        })
      }),
    )
    return { subs: new Subscribers(children), seq: Math.max(...opened.map((o) => o.maxSeq)) }
  }

  /** Until every process has every socket's copy of `seq`, or the deadline. */
  async delivered(seq: number, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs
    while ((this.got.get(seq) ?? 0) < this.children.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1))
  }

  async report(): Promise<Report> {
    const reports = await Promise.all(
      this.children.map(
        (child) =>
          new Promise<Report>((resolve) => {
            const onMessage = (m: Report & { type: string }) => {
              if (m.type !== 'report') return
              child.off('message', onMessage)
              resolve(m)
            }
            child.on('message', onMessage)
            child.send({ type: 'report' })
          }),
      ),
    )
    const arrivals = new Map<number, number[]>()
    const serverAt = new Map<number, number>()
    for (const r of reports) {
      for (const [seq, times] of r.arrivals) arrivals.set(seq, [...(arrivals.get(seq) ?? []), ...times])
      for (const [seq, at] of r.serverAt) serverAt.set(seq, at)
    }
    return {
      arrivals: [...arrivals],
      serverAt: [...serverAt],
      logLines: reports.reduce((a, r) => a + r.logLines, 0),
      lastLogAt: Math.max(...reports.map((r) => r.lastLogAt)),
      sockets: reports.reduce((a, r) => a + r.sockets, 0),
    }
  }

  /** CPU used so far by all subscriber processes together, in ms. */
  async cpu(): Promise<number> {
    const each = await Promise.all(
      this.children.map(
        (child) =>
          new Promise<number>((resolve) => {
            const onMessage = (m: { type: string; ms: number }) => {
              if (m.type !== 'cpu') return
              child.off('message', onMessage)
              resolve(m.ms)
            }
            child.on('message', onMessage)
            child.send({ type: 'cpu' })
          }),
      ),
    )
    return each.reduce((a, b) => a + b, 0)
  }

  close() {
    for (const child of this.children) child.send({ type: 'close' })
  }
}

async function signedPost(s: BenchServer, method: string, path: string, payload: unknown) {
  const body = JSON.stringify(payload)
  const res = await fetch(base(s) + path, { method, headers: signatureHeaders(s.secret, body), body })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`)
  return res.headers.get('Server-Timing')
}

/** `broadcast;dur=12.5;desc="…"` → 12.5, when the server reports it. */
const broadcastDur = (header: string | null) => {
  const m = header?.match(/(?:^|,)\s*broadcast\s*;[^,]*dur=([\d.]+)/)
  return m ? Number(m[1]) : null
}

async function measure(s: BenchServer, target: Awaited<ReturnType<typeof setupAnalysisTarget>>, subscribers: number) {
  const id = await target.newAnalysis()
  await signedPost(s, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing' })
  const opened = await Subscribers.open(s, id, subscribers, PROCESSES)
  const subs = opened.subs
  let seq = opened.seq
  const sent = new Map<number, number>()
  const responded = new Map<number, number>()
  const serverBroadcast: number[] = []
  const runtime = workerdPid(s.pid)
  const cpuBefore = { runtime: cpuMs(runtime), subscribers: await subs.cpu() }
  for (let i = 1; i <= STATUS_CALLBACKS; i++) {
    seq += 1
    sent.set(seq, epoch())
    const timing = await signedPost(s, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing', progress: i / STATUS_CALLBACKS, stage: 'inference' })
    responded.set(seq, epoch())
    const dur = broadcastDur(timing)
    if (dur !== null) serverBroadcast.push(dur)
    await subs.delivered(seq)
  }
  const cpu = { runtime: cpuMs(runtime) - cpuBefore.runtime, subscribers: (await subs.cpu()) - cpuBefore.subscribers }

  // The object's broadcast, seen from the CPU profile: only for the full fan-out, after the timed part.
  let profiledBroadcastMs: number | null = null
  if (s.inspectorUrl && subscribers > 1) {
    const { profile: p } = await profile(s.inspectorUrl, async () => {
      for (let i = 1; i <= PROFILED_CALLBACKS; i++) {
        seq += 1
        await signedPost(s, 'PATCH', `/api/analyses/${id}/status`, { status: 'processing', progress: 1 - i / 100, stage: 'profiled' })
        await subs.delivered(seq)
      }
    })
    const broadcast = summarize(p, devBundleMap(), 200).total.find((f) => f.fn === 'broadcast' && f.where.startsWith('durable-objects/'))
    profiledBroadcastMs = broadcast ? broadcast.ms / PROFILED_CALLBACKS : null
  }

  const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ ts: new Date().toISOString(), level: 'info', message: `step ${i} of the inference loop` }))
  const logsStarted = epoch()
  for (let i = 0; i < LOG_REQUESTS; i++) await signedPost(s, 'POST', `/api/analyses/${id}/logs`, { lines: lines(LINES_PER_REQUEST) })
  const wantLines = LOG_REQUESTS * LINES_PER_REQUEST * subscribers
  let report = await subs.report()
  for (const deadline = Date.now() + 20_000; report.logLines < wantLines && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100))
    report = await subs.report()
  }
  subs.close()

  const arrivals = new Map(report.arrivals)
  const serverAt = new Map(report.serverAt)
  const perDelivery: number[] = []
  const perEventLast: number[] = []
  const perEventFirstAfterAt: number[] = []
  const beforeBroadcast: number[] = []
  const afterBroadcastLast: number[] = []
  const afterResponse: number[] = []
  let missed = 0
  for (const [q, at] of sent) {
    const times = arrivals.get(q) ?? []
    missed += subscribers - times.length
    if (!times.length) continue
    for (const t of times) perDelivery.push(t - at)
    const last = Math.max(...times)
    perEventLast.push(last - at)
    afterResponse.push(last - responded.get(q)!)
    const server = serverAt.get(q)
    if (server !== undefined) {
      beforeBroadcast.push(server - at)
      afterBroadcastLast.push(last - server)
      perEventFirstAfterAt.push(Math.min(...times) - server)
    }
  }
  const r1 = (x: number) => Math.round(x * 10) / 10
  return {
    subscribers,
    processes: Math.min(PROCESSES, subscribers),
    events: sent.size,
    deliveries: perDelivery.length,
    missed,
    delivery_p50_ms: r1(median(perDelivery)),
    delivery_p99_ms: r1(percentile(perDelivery, 99)),
    every_socket_p50_ms: r1(median(perEventLast)),
    every_socket_p99_ms: r1(percentile(perEventLast, 99)),
    // Negative: the last socket had the event before the sender had its HTTP response.
    every_socket_after_response_p50_ms: r1(median(afterResponse)),
    send_to_server_at_p50_ms: beforeBroadcast.length ? r1(median(beforeBroadcast)) : null,
    server_at_to_every_socket_p50_ms: afterBroadcastLast.length ? r1(median(afterBroadcastLast)) : null,
    server_at_to_every_socket_p99_ms: afterBroadcastLast.length ? r1(percentile(afterBroadcastLast, 99)) : null,
    server_at_to_first_socket_p50_ms: perEventFirstAfterAt.length ? r1(median(perEventFirstAfterAt)) : null,
    // Whole status phase (callbacks, broadcasts, pacing), per event; /proc resolution is 10 ms.
    runtime_cpu_per_event_ms: r1(cpu.runtime / STATUS_CALLBACKS),
    subscribers_cpu_per_event_ms: r1(cpu.subscribers / STATUS_CALLBACKS),
    server_timing_broadcast_p50_ms: serverBroadcast.length ? r1(median(serverBroadcast)) : null,
    server_timing_broadcast_p99_ms: serverBroadcast.length ? r1(percentile(serverBroadcast, 99)) : null,
    profiled_broadcast_per_event_ms: profiledBroadcastMs === null ? null : r1(profiledBroadcastMs),
    log_lines_delivered_per_s: Math.round(report.logLines / ((report.lastLogAt - logsStarted) / 1000)),
  }
}

const server = await startBenchServer(Number(process.env.PORT ?? 8824), { inspectorPort: Number(process.env.INSPECTOR_PORT ?? 9324) })
try {
  const target = await setupAnalysisTarget(server)
  const baseline = await measure(server, target, 1)
  const fanout = await measure(server, target, SUBSCRIBERS)
  const via = base(server) === server.baseUrl ? 'via wrangler proxy' : 'runtime'
  console.log(JSON.stringify({ via, baseline, fanout }, null, 2))
  const n = `${int(SUBSCRIBERS)} sockets (${via}, ${fanout.processes} processes)`
  const rows: Row[] = [
    {
      benchmark: 'fanout',
      measure: `callback → last of ${n}, p50`,
      value: ms(fanout.every_socket_p50_ms),
      baseline: `1 socket ${ms(baseline.every_socket_p50_ms)}`,
      ratio: ratio(fanout.every_socket_p50_ms, baseline.every_socket_p50_ms),
    },
    {
      benchmark: 'fanout',
      measure: `callback → last of ${n}, p99`,
      value: ms(fanout.every_socket_p99_ms),
      baseline: `1 socket ${ms(baseline.every_socket_p99_ms)}`,
      ratio: ratio(fanout.every_socket_p99_ms, baseline.every_socket_p99_ms),
      goal: '≤ 50 ms',
      met: fanout.every_socket_p99_ms <= 50,
    },
    {
      benchmark: 'fanout',
      measure: `callback → one delivery (of ${int(fanout.deliveries)}), p50 · p99`,
      value: `${ms(fanout.delivery_p50_ms)} · ${ms(fanout.delivery_p99_ms)}`,
      baseline: `1 socket ${ms(baseline.delivery_p50_ms)} · ${ms(baseline.delivery_p99_ms)}`,
      ratio: [ratio(fanout.delivery_p50_ms, baseline.delivery_p50_ms), ratio(fanout.delivery_p99_ms, baseline.delivery_p99_ms)],
    },
  ]
  if (fanout.server_at_to_every_socket_p50_ms !== null && baseline.server_at_to_every_socket_p50_ms !== null) {
    rows.push({
      benchmark: 'fanout',
      measure: "event's `at` (object starts broadcasting) → first socket p50 · last socket p50 · last p99",
      value: `${ms(fanout.server_at_to_first_socket_p50_ms!)} · ${ms(fanout.server_at_to_every_socket_p50_ms)} · ${ms(fanout.server_at_to_every_socket_p99_ms!)}`,
      baseline: `1 socket ${ms(baseline.server_at_to_every_socket_p50_ms)} · ${ms(baseline.server_at_to_every_socket_p99_ms!)}`,
    })
    rows.push({
      benchmark: 'fanout',
      measure: 'CPU per event: workerd runtime · all subscriber processes (/proc, 10 ms ticks)',
      value: `${ms(fanout.runtime_cpu_per_event_ms)} · ${ms(fanout.subscribers_cpu_per_event_ms)}`,
      baseline: `1 socket ${ms(baseline.runtime_cpu_per_event_ms)} · ${ms(baseline.subscribers_cpu_per_event_ms)}`,
    })
  }
  if (fanout.server_timing_broadcast_p50_ms !== null) {
    rows.push({
      benchmark: 'fanout',
      measure: 'object broadcast (Server-Timing), p50 · p99',
      value: `${ms(fanout.server_timing_broadcast_p50_ms)} · ${ms(fanout.server_timing_broadcast_p99_ms!)}`,
      baseline: baseline.server_timing_broadcast_p50_ms === null ? undefined : `1 socket ${ms(baseline.server_timing_broadcast_p50_ms)}`,
    })
  }
  if (fanout.profiled_broadcast_per_event_ms !== null) {
    rows.push({ benchmark: 'fanout', measure: 'object `broadcast()` per event (CPU profile, profiler on)', value: ms(fanout.profiled_broadcast_per_event_ms) })
  }
  rows.push({
    benchmark: 'fanout',
    measure: 'log lines delivered per second, all sockets',
    value: int(fanout.log_lines_delivered_per_s),
    baseline: `1 socket ${int(baseline.log_lines_delivered_per_s)}`,
  })
  if (fanout.missed || baseline.missed) rows.push({ benchmark: 'fanout', measure: 'deliveries missed', value: String(fanout.missed + baseline.missed) })
  emit(rows)
} finally {
  server.stop()
}
