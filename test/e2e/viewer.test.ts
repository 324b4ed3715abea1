import { readFileSync } from 'node:fs'
import { unzipSync, strFromU8 } from 'fflate'
import { chromium, type Browser, type Download, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { signatureHeaders } from '../../src/cli/sign'

/**
 * The viewer in real Chromium (Debian's, driven by playwright-core) against `wrangler dev` with
 * its own state. Pixels are read back from the overlay canvas: the DOM alone proves nothing drawn.
 */
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const SCREENSHOTS = process.env.SCREENSHOTS === '1'

let server: BenchServer
let browser: Browser
let page: Page
let projectId: string
let imageId: string
let doneId: string
let liveId: string

async function call(method: string, path: string, payload: unknown, auth: 'user' | 'hmac') {
  const body = JSON.stringify(payload)
  const headers = auth === 'user' ? { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } : signatureHeaders(server.secret, body)
  const res = await fetch(server.baseUrl + path, { method, headers, body })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

const box = (cls: string, confidence: number, x0: number, y0: number, x1: number, y1: number) => ({
  annotation_type: 'bounding_box',
  class_name: cls,
  confidence,
  data: { x_min: x0, y_min: y0, x_max: x1, y_max: y1, image_width: 512, image_height: 512 },
})

/** Painted pixels and their mean alpha on every overlay canvas of the page. */
async function canvasInk(): Promise<{ painted: number; alpha: number; canvases: number }> {
  return page.evaluate(() => {
    let painted = 0
    let alphaSum = 0
    const canvases = [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="overlay-canvas"]')]
    for (const c of canvases) {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      for (let i = 3; i < data.length; i += 4) {
        if (data[i]! > 0) {
          painted++
          alphaSum += data[i]!
        }
      }
    }
    return { painted, alpha: painted ? alphaSum / painted : 0, canvases: canvases.length }
  })
}

async function setRange(testid: string, value: number) {
  await page.locator(`[data-testid="${testid}"]`).first().evaluate((el, v) => {
    const input = el as HTMLInputElement
    input.value = String(v)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  }, value)
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T = await fn()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 100))
    last = await fn()
  }
  return last
}

async function shoot(name: string) {
  if (SCREENSHOTS) await page.screenshot({ path: `docs/screenshots/${name}.png` })
}

beforeAll(async () => {
  server = await startBenchServer(Number(process.env.E2E_PORT ?? 8796))
  const project = await call('POST', '/api/projects', { name: 'Demo' }, 'user')
  projectId = project.id
  const form = new FormData()
  form.append('file', new File([readFileSync('test/fixtures/images/astronaut.png')], 'astronaut.png', { type: 'image/png' }))
  const up = await fetch(`${server.baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` }, body: form })
  imageId = ((await up.json()) as { id: string }).id

  const done = await call('POST', `/api/images/${imageId}/analyses`, { model_name: 'yolo_v8', model_version: '1.0.0' }, 'user')
  doneId = done.id
  await call('PATCH', `/api/analyses/${doneId}/status`, { status: 'processing' }, 'hmac')
  await call(
    'POST',
    `/api/analyses/${doneId}/annotations:bulk`,
    { annotations: [box('person', 0.92, 140, 30, 380, 500), box('cup', 0.12, 20, 20, 90, 90), box('flag', 0.35, 400, 380, 500, 500)] },
    'hmac',
  )
  await call('POST', `/api/analyses/${doneId}/finalize`, { status: 'completed' }, 'hmac')

  const live = await call('POST', `/api/images/${imageId}/analyses`, { model_name: 'detr', model_version: '2.0.0' }, 'user')
  liveId = live.id
  await call('PATCH', `/api/analyses/${liveId}/status`, { status: 'processing', stage: 'inference', progress: 0.3 }, 'hmac')

  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  server?.stop()
})

describe('viewer', () => {
  it('signs in with a token and opens astronaut.png from the project grid', async () => {
    await page.goto(server.baseUrl + '/')
    await page.getByTestId('token-input').fill(server.token)
    await page.getByTestId('sign-in-submit').click()
    await page.getByTestId('project-item').filter({ hasText: 'Demo' }).first().click()
    await page.getByTestId('image-grid').waitFor()
    await shoot('project')
    await page.locator('[data-testid="image-grid"] a').first().click()
    await page.waitForURL(`**/images/${imageId}`)
    await until(() => page.getByTestId('analysis-item').count(), (n) => n === 2, 'both analyses listed')
  })

  it('draws the boxes on the canvas', async () => {
    await page.getByTestId('analysis-item').filter({ hasText: 'yolo_v8' }).click()
    const ink = await until(canvasInk, (v) => v.painted > 500, 'boxes on the canvas')
    expect(ink.canvases).toBeGreaterThanOrEqual(1)
    await shoot('image')
  })

  it('hides low-confidence boxes when the threshold rises', async () => {
    await setRange('threshold', 0)
    const all = await until(canvasInk, (v) => v.painted > 0, 'ink')
    await setRange('threshold', 0.5)
    const high = await until(canvasInk, (v) => v.painted < all.painted, 'fewer painted pixels')
    expect(high.painted).toBeGreaterThan(0)
    await expect(page.getByTestId('visible-count').textContent()).resolves.toMatch(/1\b/)
    await setRange('threshold', 0)
  })

  it('fades overlays with opacity and shows side by side', async () => {
    await setRange('opacity', 100)
    const opaque = await until(canvasInk, (v) => v.painted > 0, 'ink')
    await setRange('opacity', 10)
    const faint = await until(canvasInk, (v) => v.alpha < opaque.alpha * 0.5, 'fainter ink')
    expect(faint.painted).toBeGreaterThan(0)
    await setRange('opacity', 100)
    await page.getByTestId('view-mode').selectOption('side-by-side')
    await until(() => page.locator('img').count(), (n) => n >= 2, 'two panes')
    await shoot('side-by-side')
    await page.getByTestId('view-mode').selectOption('overlay')
  })

  it('shows a signed callback live: a new box and the status change', async () => {
    await page.getByTestId('analysis-item').filter({ hasText: 'detr' }).click()
    await page.getByTestId('progress-bar').waitFor()
    const before = await canvasInk()
    await call('POST', `/api/analyses/${liveId}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'found a person' }] }, 'hmac')
    await call('POST', `/api/analyses/${liveId}/annotations:bulk`, { annotations: [box('person', 0.88, 100, 60, 420, 480)] }, 'hmac')
    await until(canvasInk, (v) => v.painted > before.painted, 'the new box drawn live')
    await until(() => page.getByTestId('log-console').textContent(), (t) => (t ?? '').includes('found a person'), 'the log line')
    await shoot('live')
    await call('POST', `/api/analyses/${liveId}/finalize`, { status: 'completed' }, 'hmac')
    await until(
      () => page.getByTestId('analysis-item').filter({ hasText: 'detr' }).getByTestId('status-badge').textContent(),
      (t) => /completed/i.test(t ?? ''),
      'the completed badge',
    )
  })

  it('keeps a review across a reload', async () => {
    await page.getByTestId('analysis-item').filter({ hasText: 'yolo_v8' }).click()
    await until(canvasInk, (v) => v.painted > 0, 'ink')
    await page.getByTestId('review-next').click()
    await page.getByTestId('review-accept').click()
    await until(() => page.getByTestId('review-counts').textContent(), (t) => /1 accepted/.test(t ?? ''), 'one accepted')
    await page.reload()
    await page.getByTestId('analysis-item').filter({ hasText: 'yolo_v8' }).click()
    await until(() => page.getByTestId('review-counts').textContent(), (t) => /1 accepted/.test(t ?? ''), 'one accepted after reload')
  })

  it('downloads a valid JSON export', async () => {
    await openExportMenu()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()])
    expect(download.suggestedFilename()).toMatch(/^analysis_yolo_v8_.*\.json$/)
    const text = readFileSync((await download.path())!, 'utf8')
    const parsed = JSON.parse(text) as { annotations?: unknown[] }
    expect(Array.isArray(parsed.annotations)).toBe(true)
    expect(parsed.annotations).toHaveLength(3)
  })

  it('downloads the YOLO zip and the provenance bundle from the same panel', async () => {
    const yolo = unzipSync(await downloaded('export-yolo', /^analysis_yolo_v8_.*\.zip$/))
    expect(Object.keys(yolo)).toEqual(expect.arrayContaining(['classes.txt', 'data.yaml']))
    const labels = Object.entries(yolo).find(([name]) => name.startsWith('labels/'))!
    expect(strFromU8(labels[1]).trim().split('\n')).toHaveLength(3)
    const bundle = unzipSync(await downloaded('export-bundle', /\.zip$/))
    expect(JSON.parse(strFromU8(bundle['manifest.json']!)).analysis.id).toBe(doneId)
  })

  it('exports the reviewed annotations of the whole project as a COCO dataset', async () => {
    await page.goto(`${server.baseUrl}/projects/${projectId}`)
    await page.getByTestId('dataset-model').fill('yolo_v8')
    await page.getByTestId('dataset-accepted').check()
    await shoot('dataset-export')
    const zip = unzipSync(await downloaded('dataset-download', /\.zip$/))
    const coco = JSON.parse(strFromU8(Object.entries(zip).find(([name]) => name.endsWith('.json'))![1]))
    // One box was accepted in the review test; the other two stay out of the training set.
    expect(coco.images).toHaveLength(1)
    expect(coco.annotations).toHaveLength(1)
  })
})

/** The image page keeps its exports in a menu beside the image's name, so they stay in view. */
async function openExportMenu() {
  const menu = page.getByTestId('export-menu')
  if ((await menu.count()) && !(await menu.evaluate((el) => (el as HTMLDetailsElement).open))) await menu.locator('summary').click()
}

/** Clicks a download link and returns the file's bytes, after checking its name. */
async function downloaded(testid: string, name: RegExp): Promise<Uint8Array> {
  await openExportMenu()
  const [download]: [Download, void] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()])
  expect(download.suggestedFilename()).toMatch(name)
  return new Uint8Array(readFileSync((await download.path())!))
}
