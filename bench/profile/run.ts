import { mkdirSync, writeFileSync } from 'node:fs'
import { signatureHeaders } from '../../src/cli/sign'
import { devBundleMap, profile, summarize, type FunctionTime, type ProfileSummary } from '../cpu-profile'
import { median, setupAnalysisTarget, startBenchServer, type BenchServer } from '../dev-server'
import { emit, ms, ratio, type Row } from '../report'

/**
 * CPU profiles of the Worker's isolate (the Durable Object runs in the same isolate under
 * `wrangler dev`) during three bursts: signed 5,000-annotation bulk posts, signed status callbacks
 * with progress, and `GET /api/health` as the bare-route baseline. Prints the top functions by self
 * and total time and the hottest lines of Loupe's own code, and the isolate's CPU per request. The
 * raw profiles go to bench/results/*.cpuprofile (open them in Chrome DevTools).
 * wrangler dev runs unminified here so function names stay readable.
 */
const BULK_POSTS = Number(process.env.BULK_POSTS ?? 10)
const STATUS_CALLS = Number(process.env.STATUS_CALLS ?? 300)
const TOP = Number(process.env.TOP ?? 15)

function bulkBody() {
  const annotations = Array.from({ length: 5000 }, (_, i) => ({
    annotation_type: 'bounding_box',
    class_name: ['person', 'car', 'dog', 'cup'][i % 4],
    confidence: Math.round(((i * 7919) % 1000) + 1) / 1001,
    data: { x_min: i % 500, y_min: i % 300, x_max: (i % 500) + 20, y_max: (i % 300) + 30, image_width: 1024, image_height: 768 },
    ordering: i,
  }))
  return JSON.stringify({ annotations, mode: 'append' })
}

async function send(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { method, headers, body })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`)
}

function table(title: string, rows: FunctionTime[]) {
  return [`**${title}**`, '', '| share of busy | ms | function | where |', '|---|---|---|---|', ...rows.map((f) => `| ${f.share.toFixed(1)} % | ${f.ms.toFixed(0)} | \`${f.fn}\` | ${f.where} |`)].join('\n')
}

function section(name: string, requests: number, wallMs: number, sum: ProfileSummary) {
  return [
    `### ${name}`,
    '',
    `${requests} requests in ${Math.round(wallMs)} ms with the profiler on; the isolate was busy ${sum.busyMs} ms ` +
      `(${(sum.busyMs / requests).toFixed(2)} ms a request) and waited ${sum.idleMs} ms (on D1, whose SQLite runs in another isolate, and the network).`,
    '',
    table('Self time', sum.self),
    '',
    table('Total time (inclusive, each function once per stack)', sum.total),
    '',
    table("Hottest lines of Loupe's own code (self time)", sum.lines),
  ].join('\n')
}

async function burst(s: BenchServer, name: string, requests: number, work: () => Promise<void>) {
  const start = performance.now()
  const { profile: p } = await profile(s.inspectorUrl!, work)
  const wallMs = performance.now() - start
  mkdirSync('bench/results', { recursive: true })
  writeFileSync(`bench/results/${name}.cpuprofile`, JSON.stringify(p))
  const sum = summarize(p, devBundleMap(), TOP)
  return { sum, wallMs, requests }
}

const server = await startBenchServer(Number(process.env.PORT ?? 8828), { inspectorPort: Number(process.env.INSPECTOR_PORT ?? 9328), minify: false })
try {
  const base = server.runtimeUrl ?? server.baseUrl
  const target = await setupAnalysisTarget(server)
  const body = bulkBody()
  const bulk = async () => send(base, 'POST', `/api/analyses/${await target.newAnalysis()}/annotations:bulk`, body, signatureHeaders(server.secret, body))
  const status = (id: string, i: number) => {
    const b = JSON.stringify({ status: 'processing', progress: (i % 1000) / 1000, stage: 'inference' })
    return send(base, 'PATCH', `/api/analyses/${id}/status`, b, signatureHeaders(server.secret, b))
  }

  // Without the profiler first: its overhead is reported beside the profiled wall time.
  for (let i = 0; i < 3; i++) await bulk()
  const plain: number[] = []
  for (let i = 0; i < 5; i++) {
    const t = performance.now()
    await bulk()
    plain.push(performance.now() - t)
  }
  const bulkRun = await burst(server, 'bulk', BULK_POSTS, async () => {
    for (let i = 0; i < BULK_POSTS; i++) await bulk()
  })

  const steady = await target.newAnalysis()
  for (let i = 0; i < 30; i++) await status(steady, i)
  for (let i = 0; i < 30; i++) await send(base, 'GET', '/api/health')
  const statusRun = await burst(server, 'status', STATUS_CALLS, async () => {
    for (let i = 0; i < STATUS_CALLS; i++) await status(steady, i)
  })
  const healthRun = await burst(server, 'health', STATUS_CALLS, async () => {
    for (let i = 0; i < STATUS_CALLS; i++) await send(base, 'GET', '/api/health')
  })

  const perRequest = (r: typeof bulkRun) => r.sum.busyMs / r.requests
  const markdown = [
      `## CPU profiles (${server.runtimeUrl ? 'requests straight to the workerd runtime' : 'requests through wrangler'}, unminified bundle)`,
      '',
      `A bulk post takes ${ms(median(plain))} (median of 5) without the profiler and ${ms(bulkRun.wallMs / BULK_POSTS)} with it.`,
      '',
      section('Bulk post of 5,000 boxes (signed)', BULK_POSTS, bulkRun.wallMs, bulkRun.sum),
      '',
      section('Status callback with progress (signed PATCH)', STATUS_CALLS, statusRun.wallMs, statusRun.sum),
      '',
      section('GET /api/health (bare route)', STATUS_CALLS, healthRun.wallMs, healthRun.sum),
    ].join('\n')
  console.log(markdown)
  writeFileSync('bench/results/profiles.md', markdown + '\n')
  const rows: Row[] = [
    { benchmark: 'profile', measure: 'bulk post of 5,000: isolate CPU a post (profiler on)', value: ms(perRequest(bulkRun)), baseline: `wall ${ms(median(plain))} without profiler` },
    {
      benchmark: 'profile',
      measure: 'status callback: isolate CPU a call (profiler on)',
      value: ms(perRequest(statusRun)),
      baseline: `health ${ms(perRequest(healthRun))}`,
      ratio: ratio(perRequest(statusRun), perRequest(healthRun)),
    },
  ]
  emit(rows)
} finally {
  server.stop()
}
