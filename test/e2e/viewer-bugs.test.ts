import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import {
  analysisWith,
  axeViolations,
  box,
  canvasInk,
  imagePoint,
  inView,
  makePng,
  screenPixel,
  settle,
  startHarness,
  until,
  uploadArtifact,
  uploadImage,
  type Harness,
} from './viewer-harness'

/**
 * Each test here pins a bug found in a hands-on pass over the viewer in Chromium, at the window
 * sizes it was seen at. Each failed against the viewer before its fix.
 */
const ASTRONAUT = { width: 512, height: 512 }
let h: Harness
let projectId: string
let imageId: string
let badgesImageId: string
let boxesId: string
let heatmapId: string
let classificationId: string
let failedId: string

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_PORT ?? 8800))
  projectId = (await h.call('POST', '/api/projects', { name: 'Apollo review' }, 'user')).id
  imageId = await uploadImage(h, projectId)

  // Enough rows and classes for a sidebar far taller than the window.
  const many = Array.from({ length: 120 }, (_, i) => box(`class_${i % 40}`, 0.3 + (i % 7) / 10, (i * 37) % 400, (i * 53) % 400, ((i * 37) % 400) + 40, ((i * 53) % 400) + 40))
  boxesId = await analysisWith(h, imageId, { model_name: 'boxes', model_version: '1' }, [box('person', 0.97, 140, 30, 380, 500), ...many])

  const { id } = await h.call('POST', `/api/images/${imageId}/analyses`, { model_name: 'segmenter', model_version: '1' }, 'user')
  heatmapId = id
  await h.call('PATCH', `/api/analyses/${heatmapId}/status`, { status: 'processing' }, 'hmac')
  // Single-channel: zero on the left half, full on the right.
  const grey = makePng(64, 64, 1, (x) => [x >= 32 ? 255 : 0])
  const path = await uploadArtifact(h, heatmapId, 'heatmap', 'person-probability.png', grey)
  await h.call('POST', `/api/analyses/${heatmapId}/annotations:bulk`, { annotations: [{ annotation_type: 'heatmap', class_name: 'person', data: { width: 64, height: 64, color_map: 'viridis' }, storage_path: path }] }, 'hmac')
  await h.call('POST', `/api/analyses/${heatmapId}/finalize`, { status: 'completed' }, 'hmac')

  classificationId = await analysisWith(h, imageId, { model_name: 'classifier', model_version: '1' }, [
    { annotation_type: 'classification', class_name: 'astronaut', confidence: 0.91, data: { topk: [{ class: 'astronaut', confidence: 0.91 }, { class: 'pilot', confidence: 0.05 }] } },
  ])

  const failed = await h.call('POST', `/api/images/${imageId}/analyses`, { model_name: 'crashy', model_version: '1' }, 'user')
  failedId = failed.id
  await h.call('PATCH', `/api/analyses/${failedId}/status`, { status: 'processing' }, 'hmac')
  await h.call(
    'POST',
    `/api/analyses/${failedId}/finalize`,
    { status: 'failed', error_message: 'Traceback (most recent call last):\n  File "infer.py", line 12, in run\n    model(x)\nValueError: input has 4 channels, expected 3' },
    'hmac',
  )

  // One analysis in every status, for the badges.
  badgesImageId = await uploadImage(h, projectId, 'coffee.png')
  await h.call('POST', `/api/images/${badgesImageId}/analyses`, { model_name: 'queued', model_version: '1' }, 'user')
  await analysisWith(h, badgesImageId, { model_name: 'processing', model_version: '1' }, [], 'open')
  await analysisWith(h, badgesImageId, { model_name: 'completed', model_version: '1' }, [box('cup', 0.9, 10, 10, 100, 100)])
  await analysisWith(h, badgesImageId, { model_name: 'failed', model_version: '1' }, [], 'failed')
  const canceled = await h.call('POST', `/api/images/${badgesImageId}/analyses`, { model_name: 'canceled', model_version: '1' }, 'user')
  await h.call('POST', `/api/analyses/${canceled.id}/cancel`, undefined, 'user')
}, 240_000)

afterAll(async () => {
  await h?.stop()
})

async function openImage(page: Page, analysisId: string, image = imageId) {
  await page.goto(`${h.server.baseUrl}/images/${image}?analysis=${analysisId}`)
  await page.getByTestId('analysis-item').first().waitFor()
}

describe('viewer bugs', () => {
  it('keeps the window still when the sidebar is scrolled to its end (1400×900)', async () => {
    const page = await h.open()
    await openImage(page, boxesId)
    await until(() => canvasInk(page), (v) => v.painted > 500, 'boxes drawn')
    const sidebar = (await page.locator('aside').boundingBox())!
    await page.mouse.move(sidebar.x + sidebar.width / 2, sidebar.y + sidebar.height / 2)
    for (let i = 0; i < 30; i++) await page.mouse.wheel(0, 400)
    await settle(page)
    const scrolled = await page.evaluate(() => ({
      window: document.scrollingElement!.scrollTop,
      main: document.querySelector('main')!.scrollTop,
      overflow: document.documentElement.scrollHeight - innerHeight,
      headerTop: document.querySelector('header')!.getBoundingClientRect().top,
    }))
    expect(scrolled).toEqual({ window: 0, main: 0, overflow: 0, headerTop: 0 })
    await page.close()
  })

  it('brings a clicked box’s details into view', async () => {
    const page = await h.open()
    await openImage(page, boxesId)
    await until(() => canvasInk(page), (v) => v.painted > 500, 'boxes drawn')
    // The person box's right edge, clear of the small boxes.
    const [x, y] = await imagePoint(page, ASTRONAUT, 379, 480)
    await page.mouse.click(x, y)
    await page.getByTestId('annotation-detail').waitFor()
    await settle(page)
    expect(await page.getByTestId('annotation-detail').locator('strong').first().textContent()).toBe('person')
    expect(await inView(page, '[data-testid="review-accept"]')).toBe(true)
    await page.close()
  })

  it('colours a single-channel heatmap with its declared colour map, transparent where it is zero, with a legend', async () => {
    const page = await h.open()
    await openImage(page, heatmapId)
    const left = await imagePoint(page, ASTRONAUT, 100, 300)
    const right = await imagePoint(page, ASTRONAUT, 420, 300)
    await until(() => canvasInk(page), (v) => v.painted > 1000, 'heatmap drawn')
    await settle(page)
    const on = { left: await screenPixel(page, ...left), right: await screenPixel(page, ...right) }
    await page.getByTestId('type-toggle-heatmap').uncheck()
    await settle(page)
    const off = { left: await screenPixel(page, ...left), right: await screenPixel(page, ...right) }
    // Zero is transparent: the photo is unchanged there, not under a black (or purple) sheet.
    for (let c = 0; c < 3; c++) expect(Math.abs(on.left[c]! - off.left[c]!)).toBeLessThanOrEqual(6)
    // One is viridis' yellow (#fde725): red and green well above blue, not grey or white.
    const [r, g, b] = on.right
    expect(Math.min(r, g) - b).toBeGreaterThan(60)
    await page.getByTestId('type-toggle-heatmap').check()
    await until(() => page.getByTestId('heatmap-legend').textContent(), (t) => /viridis/.test(t ?? ''), 'the legend names viridis')
    await page.close()
  })

  it('shows a classification-only result on the image and its panel in view', async () => {
    const page = await h.open()
    await openImage(page, classificationId)
    const label = page.getByTestId('image-labels')
    await until(() => label.count(), (n) => n === 1, 'a label on the image')
    expect(await label.textContent()).toMatch(/astronaut 91\.0%/)
    const stage = (await page.locator('[role="application"]').boundingBox())!
    const where = (await label.boundingBox())!
    expect(where.x).toBeGreaterThanOrEqual(stage.x)
    expect(where.y).toBeGreaterThanOrEqual(stage.y)
    expect(where.y + where.height).toBeLessThanOrEqual(stage.y + stage.height)
    expect(await inView(page, '[data-testid="classification-bars"]')).toBe(true)
    await page.close()
  })

  it('ends the last stage when the run is finalized', async () => {
    const { id } = await h.call('POST', `/api/images/${imageId}/analyses`, { model_name: 'staged', model_version: '1' }, 'user')
    await h.call('PATCH', `/api/analyses/${id}/status`, { status: 'processing', stage: 'preprocess' }, 'hmac')
    await h.call('POST', `/api/analyses/${id}/progress`, { progress: 0.5, stage: 'inference' }, 'hmac')
    const page = await h.open()
    await openImage(page, id)
    await until(() => page.getByTestId('live-run').textContent(), (t) => /inference/.test(t ?? '') && /running/.test(t ?? ''), 'the running stage')
    await h.call('POST', `/api/analyses/${id}/finalize`, { status: 'completed' }, 'hmac')
    await until(
      () => page.locator(`[data-analysis-id="${id}"]`).getByTestId('status-badge').textContent(),
      (t) => /completed/.test(t ?? ''),
      'the completed badge',
    )
    await settle(page)
    expect(await page.getByTestId('live-run').textContent()).not.toMatch(/running/)
    await page.close()
  })

  it('clears an error box once the connection is back, without a click', async () => {
    const page = await h.open()
    await openImage(page, boxesId)
    await until(() => canvasInk(page), (v) => v.painted > 500, 'boxes drawn')
    await page.context().setOffline(true)
    await page.locator(`[data-analysis-id="${heatmapId}"]`).click()
    await page.getByTestId('error').first().waitFor()
    await page.context().setOffline(false)
    await until(() => page.getByTestId('error').count(), (n) => n === 0, 'the error gone', 20_000)
    await until(() => page.getByTestId('visible-count').count(), (n) => n === 1, 'the annotations listed')
    await page.close()
  })

  it('names the project in the breadcrumb', async () => {
    const page = await h.open()
    await openImage(page, boxesId)
    await until(() => page.locator('nav[aria-label="Breadcrumb"]').textContent(), (t) => /Apollo review/.test(t ?? ''), 'the project name')
    await page.close()
  })

  it('says so when ?analysis= names no analysis of this image', async () => {
    const page = await h.open()
    const missing = '00000000-0000-4000-8000-00000000beef'
    await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${missing}`)
    await page.getByTestId('analysis-item').first().waitFor()
    await until(() => page.getByRole('alert').filter({ hasText: missing }).count(), (n) => n === 1, 'a notice naming the id')
    await page.close()
  })

  it('shows a bad project id’s error once', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/not-a-project`)
    await page.getByTestId('error').first().waitFor()
    await settle(page)
    expect(await page.getByTestId('error').count()).toBe(1)
    await page.close()
  })

  it('keeps a traceback’s lines', async () => {
    const page = await h.open()
    await openImage(page, failedId)
    const alert = page.getByRole('alert').filter({ hasText: 'Traceback' }).first()
    await alert.waitFor()
    const lines = (await alert.innerText()).split('\n').filter((l) => l.trim())
    expect(lines.length).toBeGreaterThanOrEqual(4)
    expect(lines.at(-1)).toMatch(/^ValueError/)
    await page.close()
  })

  it('gives every status badge at least 4.5:1 contrast', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/images/${badgesImageId}`)
    await until(() => page.getByTestId('status-badge').count(), (n) => n === 5, 'five badges')
    const ratios = await page.evaluate(() => {
      const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number)
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!)
      }
      /** The colour behind an element: its own background over its ancestors', alpha included. */
      const behind = (el: Element | null): number[] => {
        if (!el) return [14, 16, 20]
        const [r, g, b, a = 1] = parse(getComputedStyle(el).backgroundColor)
        if (a === 0) return behind(el.parentElement)
        if (a >= 1) return [r!, g!, b!]
        const under = behind(el.parentElement)
        return [r! * a + under[0]! * (1 - a), g! * a + under[1]! * (1 - a), b! * a + under[2]! * (1 - a)]
      }
      return [...document.querySelectorAll('[data-testid="status-badge"]')].map((el) => {
        const [l1, l2] = [lum(parse(getComputedStyle(el).color)), lum(behind(el))].sort((x, y) => y - x)
        return { status: el.textContent, ratio: Math.round(((l1! + 0.05) / (l2! + 0.05)) * 100) / 100 }
      })
    })
    for (const r of ratios) expect(r.ratio, r.status ?? '').toBeGreaterThanOrEqual(4.5)
    expect(await axeViolations(page, '[data-testid="analysis-panel"]', { runOnly: { type: 'rule', values: ['color-contrast'] } })).toEqual([])
    await page.close()
  })

  it('names each classification bar by the class written next to it', async () => {
    const page = await h.open()
    await openImage(page, classificationId)
    await page.getByTestId('classification-bars').waitFor()
    const rules = { 'label-content-name-mismatch': { enabled: true } }
    const runOnly = { type: 'rule', values: ['label-content-name-mismatch', 'aria-meter-name', 'button-name', 'color-contrast'] }
    expect(await axeViolations(page, '[data-testid="classification-bars"]', { rules, runOnly })).toEqual([])
    const meters = await page.getByRole('meter').evaluateAll((els) => els.map((el) => document.getElementById(el.getAttribute('aria-labelledby') ?? '')?.textContent))
    expect(meters).toEqual(['astronaut', 'pilot'])
    await page.close()
  })
})
