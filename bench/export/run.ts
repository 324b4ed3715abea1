import { signatureHeaders } from '../../src/cli/sign'
import { median, setupAnalysisTarget, startBenchServer } from '../dev-server'

/**
 * Exports of one analysis with 100,000 annotations from `wrangler dev`, read to the last byte, as
 * JSON, CSV and COCO. The baseline is the same rows serialized with JSON.stringify in this Node
 * process, in the same run: the floor for turning rows into bytes, without D1, paging or HTTP.
 */
const N = Number(process.env.N ?? 100_000)
const BATCH = 5000
const RUNS = Number(process.env.RUNS ?? 3)
const FORMATS = ['json', 'csv', 'coco', 'yolo'] as const
const MB = 1024 * 1024

function batch(offset: number) {
  return Array.from({ length: BATCH }, (_, j) => {
    const i = offset + j
    return {
      annotation_type: 'bounding_box',
      class_name: ['person', 'car', 'dog', 'cup'][i % 4],
      confidence: Math.round(((i * 7919) % 1000) + 1) / 1001,
      data: { x_min: i % 500, y_min: (i >> 3) % 300, x_max: (i % 500) + 20, y_max: ((i >> 3) % 300) + 30, image_width: 1024, image_height: 768 },
      ordering: i,
    }
  })
}

async function fill(baseUrl: string, secret: string, analysisId: string) {
  for (let offset = 0; offset < N; offset += BATCH) {
    const body = JSON.stringify({ annotations: batch(offset), mode: 'append' })
    const res = await fetch(`${baseUrl}/api/analyses/${analysisId}/annotations:bulk`, { method: 'POST', headers: signatureHeaders(secret, body), body })
    const json = (await res.json()) as { created?: number }
    if (!res.ok || json.created !== BATCH) throw new Error(`bulk at ${offset}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`)
  }
}

/** Reads the body as it arrives, keeping only its length, and times the first and the last byte. */
async function timedExport(url: string, token: string) {
  const start = performance.now()
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } })
  if (!res.ok || !res.body) throw new Error(`export: ${res.status} ${await res.text()}`)
  let firstByteMs = 0
  let bytes = 0
  for await (const chunk of res.body) {
    if (!bytes) firstByteMs = performance.now() - start
    bytes += chunk.byteLength
  }
  return { ms: performance.now() - start, firstByteMs, bytes }
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits

const server = await startBenchServer(Number(process.env.PORT ?? 8798))
try {
  const target = await setupAnalysisTarget(server)
  const analysisId = await target.newAnalysis()
  const fillStart = performance.now()
  await fill(server.baseUrl, server.secret, analysisId)
  const fillMs = performance.now() - fillStart
  const exportUrl = (format: string) => `${server.baseUrl}/api/analyses/${analysisId}/export?format=${format}`

  // The rows the baseline serializes: the same annotations, as the API returns them.
  const doc = (await (await fetch(exportUrl('json'), { headers: { Authorization: `Bearer ${server.token}` } })).json()) as { annotations: unknown[] }
  if (doc.annotations.length !== N) throw new Error(`expected ${N} annotations, the JSON export has ${doc.annotations.length}`)
  const baseline: number[] = []
  let baselineBytes = 0
  for (let run = 0; run < RUNS + 1; run++) {
    const start = performance.now()
    baselineBytes = Buffer.byteLength(JSON.stringify(doc.annotations))
    if (run > 0) baseline.push(performance.now() - start)
  }
  const baselineMs = median(baseline)

  const formats: Record<string, unknown> = {}
  for (const format of FORMATS) {
    const runs: Awaited<ReturnType<typeof timedExport>>[] = []
    // The first run warms up workerd and the JIT; it is not counted.
    for (let run = 0; run < RUNS + 1; run++) {
      const r = await timedExport(exportUrl(format), server.token)
      if (run > 0) runs.push(r)
    }
    const ms = median(runs.map((r) => r.ms))
    const bytes = runs[0]!.bytes
    formats[format] = {
      median_ms: round(ms),
      first_byte_ms: round(median(runs.map((r) => r.firstByteMs)), 1),
      bytes,
      annotations_per_s: round(N / (ms / 1000)),
      mb_per_s: round(bytes / MB / (ms / 1000), 2),
      ratio_vs_baseline: round(ms / baselineMs, 1),
    }
  }

  const result = {
    annotations: N,
    runs: RUNS,
    fill: { requests: N / BATCH, seconds: round(fillMs / 1000, 1) },
    baseline_json_stringify: {
      median_ms: round(baselineMs, 1),
      bytes: baselineBytes,
      annotations_per_s: round(N / (baselineMs / 1000)),
      mb_per_s: round(baselineBytes / MB / (baselineMs / 1000), 1),
    },
    formats,
  }
  console.log(JSON.stringify(result, null, 2))
} finally {
  server.stop()
}
