import { signatureHeaders } from '../../src/cli/sign'
import { median, setupAnalysisTarget, startBenchServer, type BenchServer } from '../dev-server'
import { emit, int, ms, ratio, type Row } from '../report'
import { measureMemory, workerdPid, type MemoryWindow } from '../workerd-memory'

/**
 * Exports of N annotations (1,000,000 by default) and of N/10, read to the last byte, in every
 * format: one analysis as JSON, CSV, COCO (dataset and results) and YOLO, and one project's
 * dataset as COCO and YOLO zips (IMAGES images sharing the rows). Two figures per export:
 * - rows per second, as a slowdown against `JSON.stringify` of the same rows in this Node process
 *   in the same run (the floor for turning rows into bytes, without D1, paging or HTTP);
 * - the workerd runtime's resident memory during the export, from /proc (its high-water mark
 *   reset just before), at N/10 and at N rows: flat memory means the peak does not grow with N.
 * Rows are loaded through the API: signed bulk posts of 5,000.
 */
const N = Number(process.env.N ?? 1_000_000)
const SMALL = Math.round(N / 10)
const IMAGES = Number(process.env.IMAGES ?? 100)
const BATCH = 5000
const RUNS = Number(process.env.RUNS ?? 1)
const ANALYSIS_FORMATS = ['json', 'csv', 'coco', 'coco&variant=results', 'yolo'] as const
const DATASET_FORMATS = ['coco', 'yolo'] as const
const MB = 1024 * 1024

function batch(offset: number, size: number) {
  return Array.from({ length: size }, (_, j) => {
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

async function signed(s: BenchServer, path: string, payload: unknown) {
  const body = JSON.stringify(payload)
  const res = await fetch(`${s.baseUrl}${path}`, { method: 'POST', headers: signatureHeaders(s.secret, body), body })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`)
  return JSON.parse(text) as { created?: number }
}

/** `rows` annotations into one analysis, then finalized (a dataset takes completed analyses only). */
async function fill(s: BenchServer, analysisId: string, rows: number, offset = 0) {
  for (let done = 0; done < rows; done += BATCH) {
    const size = Math.min(BATCH, rows - done)
    const json = await signed(s, `/api/analyses/${analysisId}/annotations:bulk`, { annotations: batch(offset + done, size), mode: 'append' })
    if (json.created !== size) throw new Error(`bulk at ${done}: created ${json.created} of ${size}`)
  }
  await signed(s, `/api/analyses/${analysisId}/finalize`, { status: 'completed' })
}

/** One project, `images` images, `rows` annotations spread evenly over their analyses. */
async function fillDataset(s: BenchServer, rows: number, images: number): Promise<string> {
  const target = await setupAnalysisTarget(s)
  const per = Math.ceil(rows / images)
  const imageIds = [target.imageId, ...(await Promise.all(Array.from({ length: images - 1 }, () => target.uploadImage())))]
  // Two analyses fill at once: different Durable Objects, so the Worker's work overlaps D1's.
  for (let i = 0; i < images; i += 2) {
    await Promise.all(
      imageIds.slice(i, i + 2).map(async (imageId, j) => fill(s, await target.newAnalysis(imageId), Math.min(per, rows - (i + j) * per), (i + j) * per)),
    )
  }
  return target.projectId
}

/** Reads the body as it arrives, keeping only its length. */
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

interface Measured {
  rows: number
  ms: number
  firstByteMs: number
  bytes: number
  memory: MemoryWindow
}

async function measure(s: BenchServer, pid: number, url: string, rows: number): Promise<Measured> {
  const runs: Measured[] = []
  for (let run = 0; run < RUNS; run++) {
    const { result, memory } = await measureMemory(pid, () => timedExport(url, s.token))
    runs.push({ rows, ...result, memory })
  }
  return runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!
}

const server = await startBenchServer(Number(process.env.PORT ?? 8826))
try {
  const pid = workerdPid(server.pid)
  const started = performance.now()
  const analysisIds: Record<'small' | 'big', string> = { small: '', big: '' }
  for (const [size, rows] of [['small', SMALL], ['big', N]] as const) {
    const target = await setupAnalysisTarget(server)
    analysisIds[size] = await target.newAnalysis()
    await fill(server, analysisIds[size], rows)
  }
  const projectIds = { small: await fillDataset(server, SMALL, Math.max(1, Math.round(IMAGES / 10))), big: await fillDataset(server, N, IMAGES) }
  const fillSeconds = (performance.now() - started) / 1000

  // The baseline's rows: the small analysis as the API returns them, stringified whole.
  const doc = (await (await fetch(`${server.baseUrl}/api/analyses/${analysisIds.small}/export?format=json`, { headers: { Authorization: `Bearer ${server.token}` } })).json()) as {
    annotations: unknown[]
  }
  if (doc.annotations.length !== SMALL) throw new Error(`expected ${SMALL} annotations, the JSON export has ${doc.annotations.length}`)
  const baseline: number[] = []
  for (let run = 0; run < 4; run++) {
    const start = performance.now()
    JSON.stringify(doc.annotations)
    if (run > 0) baseline.push(performance.now() - start)
  }
  const baselineRowsPerS = SMALL / (median(baseline) / 1000)

  const exports: { name: string; url: (size: 'small' | 'big') => string }[] = [
    ...ANALYSIS_FORMATS.map((f) => ({ name: `analysis ${f.replace('&variant=', ' ')}`, url: (size: 'small' | 'big') => `${server.baseUrl}/api/analyses/${analysisIds[size]}/export?format=${f}` })),
    ...DATASET_FORMATS.map((f) => ({ name: `project dataset ${f}`, url: (size: 'small' | 'big') => `${server.baseUrl}/api/projects/${projectIds[size]}/export?format=${f}` })),
  ]
  // Warm-up: workerd and the JIT see every code path once before anything is timed.
  for (const e of exports) await timedExport(e.url('small'), server.token)

  const rows: Row[] = [
    {
      benchmark: 'export',
      measure: `baseline: JSON.stringify in Node of ${int(SMALL)} exported rows`,
      value: `${int(baselineRowsPerS)} rows/s`,
    },
  ]
  const result: Record<string, unknown> = { annotations: N, small: SMALL, images: IMAGES, fill_seconds: Math.round(fillSeconds), baseline_rows_per_s: Math.round(baselineRowsPerS) }
  for (const e of exports) {
    const small = await measure(server, pid, e.url('small'), SMALL)
    const big = await measure(server, pid, e.url('big'), N)
    const rate = N / (big.ms / 1000)
    const growth = (m: Measured) => m.memory.peakSampledMb - m.memory.startMb
    result[e.name] = { small, big, rows_per_s: Math.round(rate) }
    rows.push(
      {
        benchmark: 'export',
        measure: `${e.name}, ${int(N)} rows (${(big.bytes / MB).toFixed(0)} MB, first byte ${ms(big.firstByteMs)})`,
        value: `${ms(big.ms)}, ${int(rate)} rows/s`,
        baseline: `JSON.stringify ${int(baselineRowsPerS)} rows/s`,
        ratio: ratio(baselineRowsPerS, rate),
        goal: '≤ 3×',
        met: baselineRowsPerS / rate <= 3,
      },
      {
        benchmark: 'export',
        measure: `${e.name}, workerd RSS growth (peak − start) at ${int(N)} vs ${int(SMALL)} rows`,
        value: `+${growth(big)} MB (peak ${big.memory.peakSampledMb} MB, HWM ${big.memory.peakHwmMb} MB)`,
        baseline: `+${growth(small)} MB at ${int(SMALL)}`,
        ratio: ratio(Math.max(1, growth(big)), Math.max(1, growth(small))),
        goal: 'flat (≈ 1×)',
        met: growth(big) <= Math.max(2 * growth(small), growth(small) + 32),
      },
    )
  }
  console.log(JSON.stringify(result, null, 2))
  emit(rows)
} finally {
  server.stop()
}
