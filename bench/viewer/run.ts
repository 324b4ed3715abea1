import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { chromium, type CDPSession, type Page } from 'playwright-core'
import { signatureHeaders } from '../../src/cli/sign'
import { median, percentile, startBenchServer, type BenchServer } from '../dev-server'
import { emit, int, ms, ratio, type Row } from '../report'

/**
 * The image page in headless Chromium on a 3000×2000 photo with 5,000 and 50,000 boxes of realistic
 * sizes (COCO-like: log-uniform 16–600 px, aspect 1:2 to 2:1, 20 classes), drawn with their fills.
 *
 * What is measured is main-thread work per frame, not the frame interval: before and after every
 * step the page's cumulative `TaskDuration` is read over the Chrome DevTools Protocol
 * (`Performance.getMetrics`), and a step is one input (a drag move, or one notch of the threshold
 * slider) followed by the frame it causes and the tasks that frame queues. A frame interval cannot
 * show work shorter than the display's refresh; this can.
 *
 * Baseline, in the same run and the same page: the same steps with the box type switched off, so
 * the page, the image, the sidebar and every listener are the same and only the overlay's work is
 * missing. Run `npm run build` first. BOXES=5000,50000 by default.
 */
const COUNTS = (process.env.BOXES ?? '5000,50000').split(',').map(Number)
const PAN_STEPS = Number(process.env.PAN_STEPS ?? 120)
const THRESHOLD_STEPS = Number(process.env.THRESHOLD_STEPS ?? 40)
const WIDTH = 3000
const HEIGHT = 2000
const CHUNK = 5000

/** A deterministic generator, so every run draws the same boxes. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function realisticBoxes(n: number) {
  const rand = mulberry32(n)
  return Array.from({ length: n }, (_, i) => {
    const size = 16 * Math.exp(rand() * Math.log(600 / 16))
    const aspect = Math.exp((rand() - 0.5) * Math.log(4))
    const w = Math.min(WIDTH - 1, size * Math.sqrt(aspect))
    const h = Math.min(HEIGHT - 1, size / Math.sqrt(aspect))
    const x = rand() * (WIDTH - w)
    const y = rand() * (HEIGHT - h)
    return {
      annotation_type: 'bounding_box',
      class_name: `class_${i % 20}`,
      confidence: Math.round(rand() * 1000) / 1000,
      data: { x_min: x, y_min: y, x_max: x + w, y_max: y + h },
    }
  })
}

async function post(server: BenchServer, path: string, payload: unknown, signed: boolean) {
  const body = JSON.stringify(payload)
  const headers = signed ? signatureHeaders(server.secret, body) : { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }
  const res = await fetch(server.baseUrl + path, { method: 'POST', headers, body })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<{ id: string }>
}

/** rocket.jpg upscaled to 3000×2000 by the browser itself: a real photo at a realistic size. */
async function bigPhoto(page: Page): Promise<Uint8Array> {
  const jpeg = readFileSync('test/fixtures/images/rocket.jpg').toString('base64')
  const b64 = (await page.evaluate(`(async () => {
    const img = new Image()
    img.src = 'data:image/jpeg;base64,${jpeg}'
    await img.decode()
    const c = document.createElement('canvas')
    c.width = ${WIDTH}; c.height = ${HEIGHT}
    c.getContext('2d').drawImage(img, 0, 0, ${WIDTH}, ${HEIGHT})
    const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9))
    const bytes = new Uint8Array(await blob.arrayBuffer())
    let s = ''
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(s)
  })()`)) as string
  return Uint8Array.from(Buffer.from(b64, 'base64'))
}

/** Waits for the frame an input caused and for whatever that frame queued (effects, a second frame). */
const SETTLE = `new Promise((r) => requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)))`

async function taskMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000
}

/** Main-thread milliseconds of each step. */
async function measure(page: Page, cdp: CDPSession, steps: number, step: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < steps; i++) {
    const before = await taskMs(cdp)
    await step(i)
    await page.evaluate(SETTLE)
    out.push((await taskMs(cdp)) - before)
  }
  return out.slice(3)
}

async function pan(page: Page, cdp: CDPSession) {
  const stage = (await page.locator('[role="application"]').first().boundingBox())!
  const cx = stage.x + stage.width / 2
  const cy = stage.y + stage.height / 2
  await page.mouse.move(cx, cy)
  await page.mouse.down()
  const work = await measure(page, cdp, PAN_STEPS, (i) => page.mouse.move(cx + Math.sin(i / 10) * 200, cy + Math.cos(i / 13) * 120))
  await page.mouse.up()
  return work
}

async function sweepThreshold(page: Page, cdp: CDPSession) {
  const set = (v: number) =>
    page.evaluate(`(() => {
      const el = document.querySelector('[data-testid="threshold"]')
      el.value = '${v}'
      el.dispatchEvent(new Event('input', { bubbles: true }))
    })()`)
  const work = await measure(page, cdp, THRESHOLD_STEPS, (i) => set(Math.round((i / THRESHOLD_STEPS) * 0.9 * 100) / 100))
  await set(0)
  await page.evaluate(SETTLE)
  return work
}

const round = (x: number) => Math.round(x * 10) / 10
const summary = (xs: number[]) => ({ median: round(median(xs)), p95: round(percentile(xs, 95)), max: round(Math.max(...xs)) })

const server = await startBenchServer(Number(process.env.PORT ?? 8825))
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const project = await post(server, '/api/projects', { name: 'bench' }, false)
  await page.goto(server.baseUrl + '/')
  await page.getByTestId('token-input').fill(server.token)
  await page.getByTestId('sign-in-submit').click()
  await page.getByTestId('project-item').first().waitFor()
  const form = new FormData()
  form.append('file', new File([await bigPhoto(page)], 'rocket-3000.jpg', { type: 'image/jpeg' }))
  const upload = await fetch(`${server.baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` }, body: form })
  const image = (await upload.json()) as { id: string }

  const results = []
  const rows: Row[] = []
  for (const count of COUNTS) {
    const analysis = await post(server, `/api/images/${image.id}/analyses`, { model_name: `bench_${count}`, model_version: '1' }, false)
    const boxes = realisticBoxes(count)
    for (let i = 0; i < boxes.length; i += CHUNK) await post(server, `/api/analyses/${analysis.id}/annotations:bulk`, { annotations: boxes.slice(i, i + CHUNK) }, true)
    await post(server, `/api/analyses/${analysis.id}/finalize`, { status: 'completed' }, true)

    const started = performance.now()
    await page.goto(`${server.baseUrl}/images/${image.id}?analysis=${analysis.id}`)
    await page.waitForFunction(
      `(document.querySelector('[data-testid="visible-count"]')?.textContent ?? '').replace(/\\D/g, '').endsWith('${count}')`,
      undefined,
      { timeout: 120_000, polling: 50 },
    ).catch(async (err) => {
      await page.screenshot({ path: '/tmp/viewer-bench-timeout.png' })
      throw err
    })
    const toLoaded = performance.now() - started
    await page.evaluate(SETTLE)

    const panWith = await pan(page, cdp)
    const thresholdWith = await sweepThreshold(page, cdp)
    await page.getByTestId('type-toggle-bounding_box').click()
    await page.evaluate(SETTLE)
    const panWithout = await pan(page, cdp)
    const thresholdWithout = await sweepThreshold(page, cdp)
    results.push({
      boxes: count,
      navigation_to_all_listed_ms: Math.round(toLoaded),
      pan_main_thread_ms_per_frame: { overlays: summary(panWith), baseline_overlays_hidden: summary(panWithout) },
      pan_ratio: { median: round(median(panWith) / median(panWithout)), p95: round(percentile(panWith, 95) / percentile(panWithout, 95)) },
      threshold_main_thread_ms_per_step: { overlays: summary(thresholdWith), baseline_overlays_hidden: summary(thresholdWithout) },
      threshold_ratio: { median: round(median(thresholdWith) / median(thresholdWithout)), p95: round(percentile(thresholdWith, 95) / percentile(thresholdWithout, 95)) },
    })
    console.error(JSON.stringify(results.at(-1)))
    const pair = (xs: number[]) => `${ms(median(xs))} · ${ms(percentile(xs, 95))}`
    rows.push(
      {
        benchmark: 'viewer',
        measure: `pan, main-thread work per frame with ${int(count)} boxes on ${WIDTH}×${HEIGHT}, median · p95`,
        value: pair(panWith),
        baseline: `boxes hidden ${pair(panWithout)}`,
        ratio: [ratio(median(panWith), median(panWithout)), ratio(percentile(panWith, 95), percentile(panWithout, 95))],
      },
      {
        benchmark: 'viewer',
        measure: `threshold step, main-thread work with ${int(count)} boxes, median · p95`,
        value: pair(thresholdWith),
        baseline: `boxes hidden ${pair(thresholdWithout)}`,
        ratio: [ratio(median(thresholdWith), median(thresholdWithout)), ratio(percentile(thresholdWith, 95), percentile(thresholdWithout, 95))],
      },
      { benchmark: 'viewer', measure: `navigation → ${int(count)} boxes listed`, value: ms(toLoaded) },
    )
  }

  const html = readFileSync('web/dist/index.html', 'utf8')
  // The entry and every chunk it preloads: what the first page costs before any lazy route.
  const scripts = [...new Set([...html.matchAll(/(?:src|href)="\/([^"]+\.js)"/g)].map((m) => m[1]!))]
  const initialGzip = scripts.reduce((n, s) => n + gzipSync(readFileSync(`web/dist/${s}`)).byteLength, 0)
  console.log(JSON.stringify({ image: `${WIDTH}x${HEIGHT}`, viewport: '1400x900', results, initial_js_gzip_bytes: initialGzip }, null, 2))
  rows.push({ benchmark: 'viewer', measure: 'initial route JS, gzip', value: `${int(initialGzip)} bytes`, goal: '≤ 60 KB', met: initialGzip <= 60 * 1024 })
  emit(rows)
} finally {
  await browser.close()
  server.stop()
}
