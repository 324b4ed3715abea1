import { readFileSync } from 'node:fs'
import { decode, encode } from 'fast-png'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { signatureHeaders } from '../../src/cli/sign'
import { createUser } from '../../src/cli/users'

/**
 * What the viewer's browser tests share: a `wrangler dev` with its own state, Debian's Chromium
 * driven by playwright-core, signed pipeline callbacks, and reading pixels back from the screen.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const SCREENSHOTS = process.env.SCREENSHOTS === '1'

export interface Harness {
  server: BenchServer
  browser: Browser
  /** A signed-in context; open pages in it with `open`. */
  context: BrowserContext
  call<T = any>(method: string, path: string, payload: unknown, auth: 'user' | 'hmac'): Promise<T>
  open(viewport?: { width: number; height: number }): Promise<Page>
  stop(): Promise<void>
}

/** Signs a browser context in through the token form, as a person does. */
export async function signIn(context: BrowserContext, baseUrl: string, token: string) {
  const page = await context.newPage()
  await page.goto(baseUrl + '/')
  await page.getByTestId('token-input').fill(token)
  await page.getByTestId('sign-in-submit').click()
  await page.getByTestId('user-email').waitFor()
  await page.close()
}

/** Another person, a member of the project with `role`, signed in in a context of their own. */
export async function memberContext(h: Harness, projectId: string, email: string, role: 'viewer' | 'editor' | 'owner'): Promise<BrowserContext> {
  const user = createUser(email, email.split('@')[0]!, { remote: false })
  await h.call('POST', `/api/projects/${projectId}/members`, { email, role }, 'user')
  const context = await h.browser.newContext({ viewport: { width: 1400, height: 900 } })
  await signIn(context, h.server.baseUrl, user.token)
  return context
}

export async function startHarness(port: number): Promise<Harness> {
  const server = await startBenchServer(port)
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true })
  const call = async (method: string, path: string, payload: unknown, auth: 'user' | 'hmac') => {
    const body = payload === undefined ? undefined : JSON.stringify(payload)
    const headers = auth === 'user' ? { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' } : signatureHeaders(server.secret, body ?? '')
    const send = () => fetch(server.baseUrl + path, { method, headers, body })
    // A kept-alive socket the server closed while idle (after a slow step such as spawning
    // wrangler for a new user) fails the next request on it; the harness's calls are safe to repeat.
    const res = await send().catch((err: Error & { cause?: { code?: string } }) => {
      if (err.cause?.code === 'UND_ERR_SOCKET') return send()
      throw err
    })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return res.status === 204 ? undefined : res.json()
  }
  await signIn(context, server.baseUrl, server.token)
  return {
    server,
    browser,
    context,
    call,
    async open(viewport) {
      const page = await context.newPage()
      if (viewport) await page.setViewportSize(viewport)
      return page
    },
    async stop() {
      await browser.close()
      server.stop()
    },
  }
}

export const box = (cls: string, confidence: number, x0: number, y0: number, x1: number, y1: number, extra: Record<string, unknown> = {}) => ({
  annotation_type: 'bounding_box',
  class_name: cls,
  confidence,
  data: { x_min: x0, y_min: y0, x_max: x1, y_max: y1 },
  ...extra,
})

export async function uploadImage(h: Harness, projectId: string, fixture = 'astronaut.png'): Promise<string> {
  const form = new FormData()
  const type = fixture.endsWith('.jpg') ? 'image/jpeg' : 'image/png'
  form.append('file', new File([readFileSync(`test/fixtures/images/${fixture}`)], fixture, { type }))
  const res = await fetch(`${h.server.baseUrl}/api/projects/${projectId}/images`, { method: 'POST', headers: { Authorization: `Bearer ${h.server.token}` }, body: form })
  if (!res.ok) throw new Error(`upload: ${res.status}`)
  return ((await res.json()) as { id: string }).id
}

/** An analysis taken through processing, with its annotations, and finalized unless told otherwise. */
export async function analysisWith(
  h: Harness,
  imageId: string,
  create: Record<string, unknown>,
  annotations: unknown[],
  end: 'completed' | 'failed' | 'open' = 'completed',
): Promise<string> {
  const { id } = await h.call<{ id: string }>('POST', `/api/images/${imageId}/analyses`, create, 'user')
  await h.call('PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, 'hmac')
  for (let i = 0; i < annotations.length; i += 5000) await h.call('POST', `/api/analyses/${id}/annotations:bulk`, { annotations: annotations.slice(i, i + 5000) }, 'hmac')
  if (end !== 'open') await h.call('POST', `/api/analyses/${id}/finalize`, { status: end }, 'hmac')
  return id
}

/** Presign, PUT, and answer the storage path, as a pipeline does. */
export async function uploadArtifact(h: Harness, analysisId: string, type: 'heatmap' | 'mask', filename: string, png: Uint8Array): Promise<string> {
  const p = await h.call<{ upload_url: string; storage_path: string; headers: Record<string, string> }>(
    'POST',
    `/api/analyses/${analysisId}/artifacts/presign`,
    { artifact_type: type, filename },
    'hmac',
  )
  const url = new URL(p.upload_url, h.server.baseUrl)
  const res = await fetch(url, { method: 'PUT', headers: p.headers, body: new Uint8Array(png) })
  if (!res.ok) throw new Error(`PUT artifact: ${res.status} ${await res.text()}`)
  return p.storage_path
}

/** A PNG of `channels` 1 (grey) or 4 (RGBA), from a function of the pixel position. */
export function makePng(width: number, height: number, channels: 1 | 4, pixel: (x: number, y: number) => number[]): Uint8Array {
  const data = new Uint8Array(width * height * channels)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * channels)
  return encode({ width, height, data, channels, depth: 8 })
}

export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T = await fn()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 100))
    last = await fn()
  }
  return last
}

/** Painted pixels and their mean alpha on every overlay canvas of the page. */
export async function canvasInk(page: Page): Promise<{ painted: number; alpha: number; canvases: number }> {
  return page.evaluate(() => {
    let painted = 0
    let alphaSum = 0
    const canvases = [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="overlay-canvas"]')]
    for (const c of canvases) {
      if (!c.width || !c.height) continue
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

/** The composited colour on screen at a page point: what a person sees, image and overlays together. */
export async function screenPixel(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = decode(await page.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } }))
  const d = png.data
  return [d[0]!, d[1]!, d[2]!]
}

/** Page coordinates of a natural image point while the view is fitted (the viewer's 12 px margin). */
export async function imagePoint(page: Page, natural: { width: number; height: number }, x: number, y: number, pane = 0): Promise<[number, number]> {
  const r = (await page.locator('[role="application"]').nth(pane).boundingBox())!
  const scale = Math.min((r.width - 24) / natural.width, (r.height - 24) / natural.height)
  const tx = (r.width - natural.width * scale) / 2
  const ty = (r.height - natural.height * scale) / 2
  return [r.x + tx + x * scale, r.y + ty + y * scale]
}

export async function setRange(page: Page, testid: string, value: number) {
  await page.locator(`[data-testid="${testid}"]`).first().evaluate((el, v) => {
    const input = el as HTMLInputElement
    input.value = String(v)
    input.dispatchEvent(new Event('input', { bubbles: true }))
  }, value)
}

/** Waits for two frames and what they queued: the canvas has what the last change asked for. */
export const settle = (page: Page) =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 50)), 0))))

/** True when the element's box lies inside the window: seen without scrolling. */
export async function inView(page: Page, selector: string): Promise<boolean> {
  return page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect()
    return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
  })
}

export async function shoot(page: Page, name: string) {
  if (SCREENSHOTS) await page.screenshot({ path: `docs/screenshots/${name}.png` })
}

const AXE_SOURCE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8')

/**
 * axe-core's violations inside `selector`, as `rule ×count`. axe is evaluated through the
 * DevTools protocol rather than added as a script tag, which the viewer's CSP (script-src 'self')
 * rightly refuses.
 */
export async function axeViolations(page: Page, selector: string, options: unknown): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  return page.evaluate(
    async ([selector, options]) => {
      const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; nodes: unknown[] }[] }> } }).axe
      const result = await axe.run({ include: [[selector]] }, options)
      return result.violations.map((v) => `${v.id} ×${v.nodes.length}`)
    },
    [selector, options] as const,
  )
}
