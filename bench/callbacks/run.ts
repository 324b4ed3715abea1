import { signatureHeaders } from '../../src/cli/sign'
import { median, percentile, setupAnalysisTarget, startBenchServer, type BenchServer } from '../dev-server'
import { emit, ms, ratio, type Row } from '../report'

/**
 * Signed pipeline callbacks against `GET /api/health` on the same `wrangler dev`, interleaved:
 * every round sends one of each, in an order that rotates from round to round, so the bare route
 * and the callbacks share the machine's noise. Latency is request sent → response body read, from
 * a keep-alive connection; signing happens before the clock starts (it is the pipeline's work).
 *
 * - `status (progress)`: PATCH /status with progress on a processing analysis, the call a pipeline
 *   makes most (a no-op transition, progress broadcast, D1 hears of it at most once a second).
 * - `status (transition)`: PATCH /status queued → processing, the run's first callback: wakes a
 *   fresh Durable Object, loads the analysis from D1, writes the transition and an audit row.
 * - `progress`: POST /progress on the processing analysis.
 * - `logs`: POST /logs with 10 lines.
 * - `finalize`: POST /finalize processing → completed, on the analysis the transition started.
 *
 * Both are measured through wrangler's dev proxy (the dev port) and straight from the workerd
 * runtime behind it, in the same rounds: the proxy adds the same hop to every request, which
 * flatters every ratio, and production has no such hop.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 400)
const WARMUP = 20
const LOG_LINES = 10

type Op = 'health' | 'status (progress)' | 'status (transition)' | 'progress' | 'logs' | 'finalize'
const OPS: Op[] = ['health', 'status (progress)', 'status (transition)', 'progress', 'logs', 'finalize']

interface Prepared {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

function signed(s: BenchServer, method: string, path: string, payload: unknown): Prepared {
  const body = JSON.stringify(payload)
  return { method, path, headers: signatureHeaders(s.secret, body), body }
}

async function timed(base: string, r: Prepared): Promise<number> {
  const start = performance.now()
  const res = await fetch(base + r.path, { method: r.method, headers: r.headers, body: r.body })
  const text = await res.text()
  const elapsed = performance.now() - start
  if (!res.ok) throw new Error(`${r.method} ${r.path}: ${res.status} ${text.slice(0, 300)}`)
  return elapsed
}

type Times = Record<Op, number[]>

/**
 * Runs the interleaved rounds against every base URL (wrangler's proxy and the runtime behind
 * it), each round visiting each base in turn; returns milliseconds per base and operation.
 */
export async function measureCallbacks(s: BenchServer, bases: string[], rounds = ROUNDS, warmup = WARMUP): Promise<Times[]> {
  const target = await setupAnalysisTarget(s)
  const steady = await target.newAnalysis()
  await timed(s.baseUrl, signed(s, 'PATCH', `/api/analyses/${steady}/status`, { status: 'processing' }))
  const times = bases.map(() => Object.fromEntries(OPS.map((op) => [op, [] as number[]])) as Times)
  for (let round = 0; round < warmup + rounds; round++) {
    for (let b = 0; b < bases.length; b++) await oneRound(s, bases[b]!, target, steady, round, round >= warmup ? times[b]! : null)
  }
  return times
}

async function oneRound(s: BenchServer, base: string, target: Awaited<ReturnType<typeof setupAnalysisTarget>>, steady: string, round: number, times: Times | null) {
  const fresh = await target.newAnalysis()
  const progress = (round % 1000) / 1000
  const request: Record<Op, () => Prepared> = {
    health: () => ({ method: 'GET', path: '/api/health', headers: {} }),
    'status (progress)': () => signed(s, 'PATCH', `/api/analyses/${steady}/status`, { status: 'processing', progress, stage: 'inference' }),
    'status (transition)': () => signed(s, 'PATCH', `/api/analyses/${fresh}/status`, { status: 'processing' }),
    progress: () => signed(s, 'POST', `/api/analyses/${steady}/progress`, { progress, stage: 'inference', message: `round ${round}` }),
    logs: () =>
      signed(s, 'POST', `/api/analyses/${steady}/logs`, {
        lines: Array.from({ length: LOG_LINES }, (_, i) => ({ ts: new Date().toISOString(), level: 'info', message: `round ${round} step ${i}` })),
      }),
    finalize: () => signed(s, 'POST', `/api/analyses/${fresh}/finalize`, { status: 'completed' }),
  }
  // Rotate the order; the transition of `fresh` must come before its finalize.
  const order = OPS.map((_, i) => OPS[(i + round) % OPS.length]!)
  const t = order.indexOf('status (transition)')
  const f = order.indexOf('finalize')
  if (f < t) [order[t], order[f]] = [order[f]!, order[t]!]
  for (const op of order) {
    const elapsed = await timed(base, request[op]())
    times?.[op].push(elapsed)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startBenchServer(Number(process.env.PORT ?? 8822))
  try {
    const paths = [
      ...(server.runtimeUrl ? [{ name: 'runtime', base: server.runtimeUrl }] : []),
      { name: 'via wrangler proxy', base: server.baseUrl },
    ]
    const measured = await measureCallbacks(server, paths.map((p) => p.base))
    const rows: Row[] = []
    const result: Record<string, unknown> = { rounds: ROUNDS }
    paths.forEach((path, i) => {
      const times = measured[i]!
      const h50 = median(times.health)
      const h99 = percentile(times.health, 99)
      const perOp: Record<string, unknown> = { health: { p50_ms: h50, p99_ms: h99 } }
      rows.push({ benchmark: 'callbacks', measure: `GET /api/health (${path.name}), p50 · p99`, value: `${ms(h50)} · ${ms(h99)}` })
      for (const op of OPS.filter((o) => o !== 'health')) {
        const p50 = median(times[op])
        const p99 = percentile(times[op], 99)
        perOp[op] = { p50_ms: p50, p99_ms: p99, p50_ratio: ratio(p50, h50), p99_ratio: ratio(p99, h99) }
        rows.push({
          benchmark: 'callbacks',
          measure: `${op} (${path.name}), p50 · p99`,
          value: `${ms(p50)} · ${ms(p99)}`,
          baseline: `health ${ms(h50)} · ${ms(h99)}`,
          ratio: [ratio(p50, h50), ratio(p99, h99)],
          goal: '≤ 1.5× · ≤ 2×',
          met: p50 / h50 <= 1.5 && p99 / h99 <= 2,
        })
      }
      result[path.name] = perOp
    })
    console.log(JSON.stringify(result, null, 2))
    emit(rows)
  } finally {
    server.stop()
  }
}
