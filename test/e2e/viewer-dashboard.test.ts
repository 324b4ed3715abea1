import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, axeViolations, box, shoot, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * The project dashboard in Chromium: headline numbers and charts (uPlot, on canvas) from the
 * project's activity, the window picker in the URL and in the request, the refresh every 30 s, the
 * SLO list, a project with no activity, and axe over the whole page.
 */
let h: Harness
let projectId: string
let quietProjectId: string

interface Activity {
  bucket: 'hour' | 'day'
  buckets: string[]
  analyses: Record<'created' | 'completed' | 'failed' | 'canceled', number[]>
  jobs: Record<'created' | 'completed' | 'failed', number[]>
  deliveries: Record<'delivered' | 'failed', number[]>
  models: { model_name: string; model_version: string; completed: number[]; failed: number[] }[]
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
const isActivity = (days: number) => (url: string) => url.includes(`/api/projects/${projectId}/activity`) && new URL(url).searchParams.get('days') === String(days)

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_DASHBOARD_PORT ?? 8895))
  projectId = (await h.call('POST', '/api/projects', { name: 'Dashboard' }, 'user')).id
  quietProjectId = (await h.call('POST', '/api/projects', { name: 'Quiet' }, 'user')).id
  const imageId = await uploadImage(h, projectId, 'astronaut.png')
  const detector = (version: string) => ({ model_name: 'detector', model_version: version })
  await analysisWith(h, imageId, detector('1'), [box('person', 0.9, 100, 50, 300, 400)])
  await analysisWith(h, imageId, detector('1'), [box('person', 0.8, 100, 50, 300, 400)])
  await analysisWith(h, imageId, detector('2'), [box('person', 0.7, 100, 50, 300, 400)])
  // Every count different, so no line lies exactly under another and each colour shows.
  await analysisWith(h, imageId, detector('2'), [], 'failed')
  await analysisWith(h, imageId, detector('2'), [], 'failed')
  const canceled = await analysisWith(h, imageId, detector('2'), [], 'open')
  await h.call('POST', `/api/analyses/${canceled}/cancel`, undefined, 'user')

  const job = (await h.call('POST', `/api/projects/${projectId}/jobs`, { kind: 'training', model_name: 'detector' }, 'user')).id
  await until(() => h.call('GET', `/api/jobs/${job}`, undefined, 'user'), (j: any) => j.runnable_at !== null, 'job runnable')
  await h.call('PATCH', `/api/jobs/${job}/status`, { status: 'processing' }, 'hmac')
  await h.call('POST', `/api/jobs/${job}/finalize`, { status: 'completed' }, 'hmac')
}, 300_000)

afterAll(async () => {
  await h?.stop()
})

/** Opens the dashboard the way a person does, answering the activity the page asked for. */
async function openDashboard(page: Page, days = 7): Promise<Activity> {
  await page.goto(`${h.server.baseUrl}/projects/${projectId}`)
  const answer = page.waitForResponse((r) => isActivity(days)(r.url()))
  await page.getByTestId('dashboard-link').click()
  await page.waitForURL(/\/dashboard$/)
  const activity = (await (await answer).json()) as Activity
  await page.getByTestId('chart-throughput').waitFor()
  return activity
}

/** Canvas pixels within a small distance of `hex`: the series drawn in that colour. */
function inkOf(page: Page, testid: string, hex: string): Promise<number> {
  return page.locator(`[data-testid="${testid}"] canvas`).first().evaluate((c: HTMLCanvasElement, hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    let n = 0
    for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 200 && Math.abs(d[i]! - r!) + Math.abs(d[i + 1]! - g!) + Math.abs(d[i + 2]! - b!) < 40) n++
    return n
  }, hex)
}

describe('the project dashboard', () => {
  it('shows the window’s totals as the activity answers them, and draws every chart', async () => {
    const page = await h.open()
    const activity = await openDashboard(page)
    expect(page.url()).not.toContain('days=')
    expect(await page.getByTestId('dashboard-page').getAttribute('data-days')).toBe('7')
    expect(await page.getByTestId('window-7').getAttribute('aria-pressed')).toBe('true')

    // What was seeded, and what the server counted, and what the page shows: all the same.
    const totals = { created: sum(activity.analyses.created), completed: sum(activity.analyses.completed), failed: sum(activity.analyses.failed), canceled: sum(activity.analyses.canceled) }
    expect(totals).toEqual({ created: 6, completed: 3, failed: 2, canceled: 1 })
    for (const [name, value] of Object.entries(totals)) expect(await page.getByTestId(`headline-analyses-${name}`).getAttribute('data-value')).toBe(String(value))
    expect(await page.getByTestId('headline-jobs-created').getAttribute('data-value')).toBe(String(sum(activity.jobs.created)))
    expect(sum(activity.jobs.completed)).toBe(1)
    expect(await page.getByTestId('headline-deliveries-failed').getAttribute('data-value')).toBe(String(sum(activity.deliveries.failed)))
    expect(await page.getByTestId('headline-images').getAttribute('data-value')).toBe('1')
    expect(await page.getByTestId('chart-throughput').locator('figcaption').textContent()).toContain('6 created, 3 completed, 2 failed, 1 canceled in the window.')

    // Five charts, each over every bucket, each with a drawn canvas.
    for (const id of ['throughput', 'queue-wait', 'processing', 'deliveries', 'jobs']) {
      const chart = page.getByTestId(`chart-${id}`)
      expect(await chart.getAttribute('data-buckets')).toBe(String(activity.buckets.length))
      expect(await chart.locator('canvas').count()).toBeGreaterThan(0)
    }
    expect(await inkOf(page, 'chart-throughput', '#009E73')).toBeGreaterThan(20) // completed, green
    expect(await inkOf(page, 'chart-throughput', '#D55E00')).toBeGreaterThan(20) // failed, vermillion
    expect(await inkOf(page, 'chart-throughput', '#A2ABBA')).toBeGreaterThan(20) // canceled, grey
    expect(await inkOf(page, 'chart-processing', '#56B4E9')).toBeGreaterThan(5) // p50 and p95 where something finished

    // The text alternative: the hidden table's last row is the last bucket's values.
    const lastRow = page.getByTestId('chart-throughput').locator('table tbody tr').last()
    const last = activity.buckets.length - 1
    expect(await lastRow.locator('td').allTextContents()).toEqual(
      (['created', 'completed', 'failed', 'canceled'] as const).map((k) => String(activity.analyses[k][last])),
    )

    // One row per model version, with the server's totals.
    const rows = page.getByTestId('model-row')
    expect(await rows.count()).toBe(activity.models.length)
    for (const m of activity.models) {
      const row = page.locator(`[data-testid="model-row"][data-model="${m.model_name}@${m.model_version}"]`)
      expect(await row.getByTestId('model-completed').textContent()).toBe(String(sum(m.completed)))
      expect(await row.getByTestId('model-failed').textContent()).toBe(String(sum(m.failed)))
    }
    expect(activity.models.map((m) => `${m.model_name}@${m.model_version}`).sort()).toEqual(['detector@1', 'detector@2'])
    await shoot(page, 'dashboard')
    await page.close()
  })

  it('keeps the window in the URL and asks the server for it', async () => {
    const page = await h.open()
    await openDashboard(page)

    const month = page.waitForRequest((r) => isActivity(30)(r.url()))
    await page.getByTestId('window-30').click()
    await month
    await page.waitForURL(/\/dashboard\?days=30$/)
    expect(await page.getByTestId('window-30').getAttribute('aria-pressed')).toBe('true')
    expect(await page.getByTestId('window-7').getAttribute('aria-pressed')).toBe('false')

    const day = page.waitForResponse((r) => isActivity(1)(r.url()))
    await page.getByTestId('window-1').click()
    const hourly = (await (await day).json()) as Activity
    await page.waitForURL(/\?days=1$/)
    expect(hourly.bucket).toBe('hour')
    await until(() => page.getByTestId('chart-throughput').getAttribute('data-buckets'), (n) => n === String(hourly.buckets.length), 'hourly buckets drawn')
    expect(await page.getByTestId('headline-analyses-created').getAttribute('data-value')).toBe(String(sum(hourly.analyses.created)))

    // Opened from a link with the window in it, the page starts there.
    const quarter = page.waitForRequest((r) => isActivity(90)(r.url()))
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/dashboard?days=90`)
    await quarter
    expect(await page.getByTestId('window-90').getAttribute('aria-pressed')).toBe('true')
    await page.close()
  })

  it('refreshes every 30 seconds while the tab is visible', async () => {
    const page = await h.open()
    await page.clock.install()
    await openDashboard(page)
    const again = page.waitForRequest((r) => isActivity(7)(r.url()), { timeout: 5000 })
    await page.clock.runFor(30_000)
    await again
    await page.close()
  })

  it('lists the SLOs as the server reports them, saying they are not per project', async () => {
    const page = await h.open()
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/slos'))
    await openDashboard(page)
    const slos = (await (await answer).json()) as { slos: { name: string; met: boolean | null }[] }
    const section = page.getByTestId('slo-section')
    expect(await section.textContent()).toContain('not per project')
    expect(await section.getByTestId('slo-row').count()).toBe(slos.slos.length)
    // The harness configures no ML_SLOS, so this says so; with some, each row carries its state.
    if (slos.slos.length === 0) expect(await section.getByTestId('empty').textContent()).toContain('No SLOs configured')
    for (const s of slos.slos) {
      const state = s.met === null ? 'no-data' : s.met ? 'met' : 'missed'
      expect(await section.locator(`[data-slo="${s.name}"]`).getAttribute('data-state')).toBe(state)
    }
    await page.close()
  })

  it('says so when a project has no activity, and draws no charts', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${quietProjectId}/dashboard`)
    await page.getByTestId('headline').waitFor()
    expect(await page.locator('[data-testid="dashboard-page"] > [data-testid="empty"]').textContent()).toContain('No activity in the last 7 d')
    expect(await page.getByTestId('chart-throughput').count()).toBe(0)
    expect(await page.getByTestId('headline-analyses-created').getAttribute('data-value')).toBe('0')
    await page.close()
  })

  it('passes axe’s WCAG A and AA rules', async () => {
    const page = await h.open()
    await openDashboard(page)
    expect(await axeViolations(page, '[data-testid="dashboard-page"]', { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })).toEqual([])
    await page.close()
  })
})
