import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { chromium, type Page } from 'playwright-core'
import { signatureHeaders } from '../../src/cli/sign'
import { median, percentile, startBenchServer } from '../dev-server'
import { emit, int, ms, ratio } from '../report'

/**
 * The viewer in headless Chromium with 5,000 boxes: frame time while panning (median, p95), time
 * from navigation to boxes drawn, and the gzip size of the initial JS. Baseline in the same run:
 * the same pan with the box overlay switched off. Run `npm run build` first.
 */
const BOXES = Number(process.env.BOXES ?? 5000)
const FRAMES = 180

const server = await startBenchServer(Number(process.env.PORT ?? 8825))
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const auth = { Authorization: `Bearer ${server.token}` }
  const project = await (await fetch(`${server.baseUrl}/api/projects`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":"bench"}' })).json()
  const form = new FormData()
  form.append('file', new File([readFileSync('test/fixtures/images/rocket.jpg')], 'rocket.jpg', { type: 'image/jpeg' }))
  const image = await (await fetch(`${server.baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: auth, body: form })).json()
  const analysis = await (
    await fetch(`${server.baseUrl}/api/images/${image.id}/analyses`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"model_name":"bench","model_version":"1"}' })
  ).json()
  const boxes = Array.from({ length: BOXES }, (_, i) => {
    const x = (i * 37) % 600
    const y = (i * 53) % 400
    return { annotation_type: 'bounding_box', class_name: `class_${i % 12}`, confidence: ((i * 7) % 100) / 100, data: { x_min: x, y_min: y, x_max: x + 20 + (i % 20), y_max: y + 15 + (i % 12) } }
  })
  const body = JSON.stringify({ annotations: boxes })
  const bulk = await fetch(`${server.baseUrl}/api/analyses/${analysis.id}/annotations:bulk`, { method: 'POST', headers: signatureHeaders(server.secret, body), body })
  if (!bulk.ok) throw new Error(`bulk: ${bulk.status}`)
  const fin = JSON.stringify({ status: 'completed' })
  await fetch(`${server.baseUrl}/api/analyses/${analysis.id}/finalize`, { method: 'POST', headers: signatureHeaders(server.secret, fin), body: fin })

  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage()
  await page.goto(`${server.baseUrl}/api/auth/link?token=${server.token}&next=/projects/${project.id}`)
  const started = performance.now()
  await page.goto(`${server.baseUrl}/images/${image.id}`)
  await page.waitForFunction(
    `(() => {
      const c = document.querySelector('[data-testid="overlay-canvas"]')
      if (!c || !c.width) return false
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
      let n = 0
      for (let i = 3; i < d.length; i += 4 * 97) if (d[i] > 0) n++
      return n > 200
    })()`,
    undefined,
    { timeout: 60_000, polling: 16 },
  )
  const toBoxes = performance.now() - started

  const pan = async (p: Page) => {
    const canvas = await p.locator('[data-testid="overlay-canvas"]').first().boundingBox()
    const cx = canvas!.x + canvas!.width / 2
    const cy = canvas!.y + canvas!.height / 2
    // A string, not a function: tsx would wrap a function with helpers the page does not have.
    await p.evaluate(`(() => {
      window.__frames = []
      let last = performance.now()
      const tick = (t) => {
        window.__frames.push(t - last)
        last = t
        if (window.__frames.length < ${FRAMES}) requestAnimationFrame(tick)
      }
      requestAnimationFrame(tick)
    })()`)
    await p.mouse.move(cx, cy)
    await p.mouse.down()
    for (let i = 0; i < FRAMES; i++) await p.mouse.move(cx + Math.sin(i / 10) * 200, cy + Math.cos(i / 13) * 120)
    await p.mouse.up()
    await p.waitForFunction(`window.__frames.length >= ${FRAMES}`)
    return ((await p.evaluate('window.__frames')) as number[]).slice(5)
  }
  const withBoxes = await pan(page)
  await page.getByTestId('type-toggle-bounding_box').click()
  const withoutBoxes = await pan(page)

  const html = readFileSync('web/dist/index.html', 'utf8')
  const scripts = [...html.matchAll(/src="\/([^"]+\.js)"/g)].map((m) => m[1]!)
  const initialGzip = scripts.reduce((n, s) => n + gzipSync(readFileSync(`web/dist/${s}`)).byteLength, 0)
  const round = (x: number) => Math.round(x * 10) / 10
  console.log(
    JSON.stringify(
      {
        boxes: BOXES,
        navigation_to_boxes_drawn_ms: Math.round(toBoxes),
        pan_frame_ms_with_boxes: { median: round(median(withBoxes)), p95: round(percentile(withBoxes, 95)) },
        pan_frame_ms_baseline_no_overlay: { median: round(median(withoutBoxes)), p95: round(percentile(withoutBoxes, 95)) },
        median_ratio: round(median(withBoxes) / median(withoutBoxes)),
        p95_ratio: round(percentile(withBoxes, 95) / percentile(withoutBoxes, 95)),
        initial_js_gzip_bytes: initialGzip,
      },
      null,
      2,
    ),
  )
  emit([
    {
      benchmark: 'viewer',
      measure: `pan frame time with ${int(BOXES)} boxes, median · p95`,
      value: `${ms(median(withBoxes))} · ${ms(percentile(withBoxes, 95))}`,
      baseline: `no overlay ${ms(median(withoutBoxes))} · ${ms(percentile(withoutBoxes, 95))}`,
      ratio: [ratio(median(withBoxes), median(withoutBoxes)), ratio(percentile(withBoxes, 95), percentile(withoutBoxes, 95))],
    },
    { benchmark: 'viewer', measure: `navigation → ${int(BOXES)} boxes drawn`, value: ms(toBoxes) },
    { benchmark: 'viewer', measure: 'initial route JS, gzip', value: `${int(initialGzip)} bytes`, goal: '≤ 60 KB', met: initialGzip <= 60 * 1024 },
  ])
} finally {
  await browser.close()
  server.stop()
}
