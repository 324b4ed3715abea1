import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, box, inView, settle, shoot, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * A run's details and the page's layout: parameters and provenance, the log console (search,
 * pause and follow, larger, download), a finished run folded away, and what is in view at the
 * window sizes people review at.
 */
let h: Harness
let imageId: string
let finishedId: string
let runningId: string

const LINES = 300
const logLine = (i: number) => ({ ts: new Date(Date.UTC(2026, 0, 1, 10, 0, i)).toISOString(), level: i % 50 === 7 ? 'warning' : 'info', stage: 'inference', message: `tile ${i} of ${LINES}: ${i % 3} objects` })

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_PORT ?? 8800))
  const projectId = (await h.call('POST', '/api/projects', { name: 'Runs' }, 'user')).id
  imageId = await uploadImage(h, projectId)
  const boxes = Array.from({ length: 40 }, (_, i) => box(['person', 'flag', 'helmet', 'cup'][i % 4]!, 0.3 + i / 60, (i * 37) % 400, (i * 53) % 400, ((i * 37) % 400) + 60, ((i * 53) % 400) + 60))
  finishedId = await analysisWith(
    h,
    imageId,
    {
      model_name: 'detector',
      model_version: '2.1',
      parameters: { confidence_threshold: 0.25, iou_threshold: 0.45, max_detections: 300 },
      provenance: { git_commit: '9f1c2ab', docker_image: 'acme/detector:2.1', training_dataset: 'coco2017' },
    },
    boxes,
    'open',
  )
  await h.call('POST', `/api/analyses/${finishedId}/logs`, { lines: [logLine(0), logLine(1)] }, 'hmac')
  await h.call('POST', `/api/analyses/${finishedId}/finalize`, { status: 'completed' }, 'hmac')

  runningId = (await h.call('POST', `/api/images/${imageId}/analyses`, { model_name: 'tiler', model_version: '1' }, 'user')).id
  await h.call('PATCH', `/api/analyses/${runningId}/status`, { status: 'processing', stage: 'inference', progress: 0.4 }, 'hmac')
  await h.call('POST', `/api/analyses/${runningId}/logs`, { lines: Array.from({ length: LINES }, (_, i) => logLine(i)) }, 'hmac')
}, 240_000)

afterAll(async () => {
  await h?.stop()
})

async function open(page: Page, analysisId: string) {
  await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${analysisId}`)
  await page.locator(`[data-analysis-id="${analysisId}"]`).waitFor()
}

const isOpen = (page: Page, testid: string) => page.getByTestId(testid).evaluate((el) => (el as HTMLDetailsElement).open)

describe('run details', () => {
  it('shows the parameters and provenance the run was started with', async () => {
    const page = await h.open()
    await open(page, finishedId)
    await page.locator('[data-testid="run-details-section"] > summary').click()
    const params = await page.getByTestId('run-parameters').innerText()
    expect(params).toMatch(/confidence_threshold:\s*0\.25/)
    expect(params).toMatch(/max_detections:\s*300/)
    const provenance = await page.getByTestId('run-provenance').innerText()
    expect(provenance).toMatch(/git_commit:\s*"9f1c2ab"/)
    expect(provenance).toMatch(/docker_image:\s*"acme\/detector:2\.1"/)
    await page.close()
  })

  it('folds a finished run’s panel below overlays and review, and keeps a running one open above them', async () => {
    const page = await h.open()
    await open(page, finishedId)
    await page.getByTestId('live-run').waitFor()
    expect(await isOpen(page, 'live-run')).toBe(false)
    const top = async (testid: string) => (await page.getByTestId(testid).boundingBox())!.y
    expect(await top('live-run')).toBeGreaterThan(await top('review-section'))
    expect(await page.getByTestId('live-run').locator('summary').textContent()).toMatch(/completed in/)

    await open(page, runningId)
    await page.getByTestId('log-console').waitFor()
    expect(await isOpen(page, 'live-run')).toBe(true)
    expect(await top('live-run')).toBeLessThan(await top('overlay-controls'))
    await page.close()
  })
})

describe('log console', () => {
  it('searches the log and marks what matched', async () => {
    const page = await h.open()
    await open(page, runningId)
    await until(() => page.getByTestId('log-count').textContent(), (t) => t === `${LINES} / ${LINES}`, 'every line')
    await page.getByTestId('log-search').fill('tile 42 of')
    await until(() => page.getByTestId('log-count').textContent(), (t) => t === `1 / ${LINES}`, 'one match')
    expect(await page.getByTestId('log-console').locator('mark').allTextContents()).toEqual(['tile 42 of'])
    await page.getByTestId('log-search').fill('')
    await page.getByTestId('log-level').selectOption('warning')
    await until(() => page.getByTestId('log-count').textContent(), (t) => t === `6 / ${LINES}`, 'the warnings')
    await page.close()
  })

  it('follows new lines, holds still when paused, and follows again', async () => {
    const page = await h.open()
    await open(page, runningId)
    const console = page.getByTestId('log-console')
    await until(() => page.getByTestId('log-count').textContent(), (t) => t?.startsWith(`${LINES} `) ?? false, 'every line')
    const atEnd = () => console.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 4)
    await until(atEnd, (v) => v, 'at the newest line')

    await page.getByTestId('log-follow').click()
    expect(await console.getAttribute('data-following')).toBeNull()
    await console.evaluate((el) => (el.scrollTop = 200))
    await h.call('POST', `/api/analyses/${runningId}/logs`, { lines: [{ ...logLine(400), message: 'paused line' }] }, 'hmac')
    await until(() => console.textContent(), (t) => (t ?? '').includes('paused line'), 'the new line arrived')
    await settle(page)
    expect(await console.evaluate((el) => el.scrollTop)).toBe(200)

    await page.getByTestId('log-follow').click()
    await h.call('POST', `/api/analyses/${runningId}/logs`, { lines: [{ ...logLine(401), message: 'followed line' }] }, 'hmac')
    await until(() => console.textContent(), (t) => (t ?? '').includes('followed line'), 'the next line arrived')
    await until(atEnd, (v) => v, 'back at the newest line')
    await page.close()
  })

  it('opens larger over the page and closes with Escape', async () => {
    const page = await h.open()
    await open(page, runningId)
    const small = (await page.getByTestId('log-console').boundingBox())!
    await page.getByTestId('log-expand').click()
    const large = (await page.getByTestId('log-console').boundingBox())!
    expect(large.height).toBeGreaterThan(small.height * 1.8)
    expect(large.width).toBeGreaterThan(900)
    await page.keyboard.press('Escape')
    expect(await page.getByTestId('log-panel').getAttribute('data-large')).toBeNull()
    await page.close()
  })

  it('downloads the whole log as text from the server', async () => {
    const page = await h.open()
    await open(page, runningId)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('log-download').click()])
    expect(download.suggestedFilename()).toMatch(/\.(log|txt)$/)
    const text = readFileSync((await download.path())!, 'utf8')
    const lines = text.trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(LINES)
    expect(lines[0]).toContain('tile 0 of 300')
    expect(text).toContain('WARNING')
    await page.close()
  })
})

describe('layout', () => {
  it('at 1400×900 has the overlay controls, the review list and the export menu in view beside the image', async () => {
    const page = await h.open({ width: 1400, height: 900 })
    await open(page, finishedId)
    await until(() => page.getByTestId('annotation-row').count(), (n) => n > 0, 'the list')
    await settle(page)
    for (const selector of ['[data-testid="threshold"]', '[data-testid="class-chips"]', '[data-testid="review-section"] > summary', '[data-testid="annotation-row"]', '[data-testid="export-menu"] > summary']) {
      expect(await inView(page, selector), selector).toBe(true)
    }
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBe(900)
    await shoot(page, 'review')
    await page.close()
  })

  it('at 800×600 keeps the image large and its controls in view beside it', async () => {
    const page = await h.open({ width: 800, height: 600 })
    await open(page, finishedId)
    await until(() => page.getByTestId('visible-count').count(), (n) => n === 1, 'the overlay controls')
    await settle(page)
    const stage = (await page.locator('[role="application"]').boundingBox())!
    const sidebar = (await page.getByTestId('sidebar').boundingBox())!
    expect(stage.height).toBeGreaterThan(450)
    expect(stage.width).toBeGreaterThan(450)
    // Side by side, not stacked.
    expect(sidebar.x).toBeGreaterThanOrEqual(stage.x + stage.width - 1)
    for (const selector of ['[data-testid="overlay-controls"] > summary', '[data-testid="threshold"]', '[data-testid="export-menu"] > summary']) {
      expect(await inView(page, selector), selector).toBe(true)
    }
    await page.close()
  })
})
