import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, box, shoot, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * The jobs and model version pages in Chromium: a project's queue and history, starting a job from
 * the form, a job's page with its metric charts (drawn by uPlot on canvas) and log, and the model
 * versions page with metrics side by side, lineage, and two versions compared class by class.
 */
let h: Harness
let projectId: string
let trainingId: string
let trainedVersionId: string

async function jobWaitsForRunnable(jobId: string) {
  await until(() => h.call('GET', `/api/jobs/${jobId}`, undefined, 'user'), (j: any) => j.runnable_at !== null, `job ${jobId} runnable`)
}

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_PORT ?? 8800))
  projectId = (await h.call('POST', '/api/projects', { name: 'Jobs and versions' }, 'user')).id
  const imageId = await uploadImage(h, projectId, 'astronaut.png')
  const base = await h.call('POST', `/api/projects/${projectId}/model-versions`, { name: 'detector', version: '1', metrics: { 'val/map': 0.41 } }, 'user')
  await analysisWith(h, imageId, { model_name: 'detector', model_version: '1' }, [box('person', 0.6, 100, 50, 300, 400), box('flag', 0.5, 20, 20, 60, 60)])

  // A training job run as a pipeline would: stages, 20 epochs of loss, log lines, weights, a version.
  trainingId = (await h.call('POST', `/api/projects/${projectId}/jobs`, { kind: 'training', model_name: 'detector', parameters: { epochs: 20 } }, 'user')).id
  await jobWaitsForRunnable(trainingId)
  await h.call('PATCH', `/api/jobs/${trainingId}/status`, { status: 'processing', stage: 'fit' }, 'hmac')
  const points = Array.from({ length: 20 }, (_, i) => [
    { name: 'train/loss', step: i + 1, epoch: i + 1, value: 1 / (i + 1) },
    { name: 'lr', step: i + 1, value: 0.1 * 0.9 ** i },
  ]).flat()
  await h.call('POST', `/api/jobs/${trainingId}/metrics`, { points }, 'hmac')
  await h.call('POST', `/api/jobs/${trainingId}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'epoch 20: loss 0.05', stage: 'fit' }, { ts: new Date().toISOString(), level: 'warning', message: 'learning rate is small' }] }, 'hmac')
  const version = await h.call('POST', `/api/jobs/${trainingId}/model-versions`, { version: '2', metrics: { 'val/map': 0.47 } }, 'hmac')
  trainedVersionId = version.id
  await h.call('POST', `/api/jobs/${trainingId}/finalize`, { status: 'completed' }, 'hmac')
  await analysisWith(h, imageId, { model_name: 'detector', model_version: '2' }, [box('person', 0.9, 100, 50, 300, 400), box('flag', 0.2, 20, 20, 60, 60)])
  expect(base.id).toBeTruthy()
}, 300_000)

afterAll(async () => {
  await h?.stop()
})

describe('jobs and model versions in the viewer', () => {
  it('shows a job’s status, its metrics as charts, its log with search, and the version it made', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}`)
    await page.getByTestId('jobs-link').click()
    await page.waitForURL(/\/jobs$/)
    const row = page.locator(`[data-testid="job-row"][data-job-id="${trainingId}"]`)
    await row.waitFor()
    expect(await row.textContent()).toContain('completed')
    await row.locator('a').click()
    await page.waitForURL(new RegExp(`/jobs/${trainingId}$`))
    await page.getByTestId('job-page').waitFor()
    expect(await page.getByTestId('job-page').getAttribute('data-status')).toBe('completed')

    const loss = page.locator('[data-testid="metric-chart"][data-metric="train/loss"]')
    await loss.waitFor()
    expect(await loss.getAttribute('data-points')).toBe('20')
    expect(await page.getByTestId('metric-chart').count()).toBe(2)
    // uPlot drew the curve: the chart's canvas has ink.
    const ink = await loss.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      let n = 0
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++
      return n
    })
    expect(ink).toBeGreaterThan(200)
    expect(await loss.textContent()).toContain('0.05 at step 20')

    const log = page.getByTestId('job-log')
    expect(await log.textContent()).toContain('[fit] epoch 20: loss 0.05')
    await page.getByTestId('log-filter').fill('learning rate')
    await until(() => log.textContent(), (t) => !t?.includes('epoch 20'), 'log filtered')
    expect(await log.textContent()).toContain('learning rate is small')
    await page.getByTestId('log-filter').fill('')
    await shoot(page, 'job')

    await page.getByTestId('job-versions').locator('a').click()
    await page.waitForURL(new RegExp(`/models#${trainedVersionId}$`))
    await page.getByTestId('lineage').waitFor()
    expect(await page.getByTestId('lineage').textContent()).toContain(trainingId.slice(0, 8))
  })

  it('lists versions with their metrics side by side and compares two class by class', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/models`)
    const rows = page.getByTestId('version-row')
    await until(() => rows.count(), (n) => n === 2, 'two versions listed')
    const text = await page.getByTestId('version-list').textContent()
    expect(text).toContain('val/map')
    expect(text).toContain('0.41')
    expect(text).toContain('0.47')
    await page.locator('[data-testid="version-row"][data-version="detector 1"] [data-testid="pick-base"]').check()
    await page.locator('[data-testid="version-row"][data-version="detector 2"] [data-testid="pick-candidate"]').check()
    await page.getByTestId('comparison').waitFor()
    const delta = (cls: string) => page.locator(`[data-testid="comparison-class"][data-class="${cls}"] [data-testid="comparison-delta"]`)
    expect(await delta('person').textContent()).toBe('+0.3')
    expect(await delta('flag').getAttribute('data-sign')).toBe('down')
    await shoot(page, 'model-versions')
  })

  it('starts a job from the form and lands on its page, queued, and explains bad parameters in place', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/jobs`)
    await page.getByTestId('job-start').waitFor()
    await page.locator('#job-kind').selectOption('training')
    await page.locator('#job-model').fill('detector')
    await page.locator('#job-parameters').fill('not json')
    await page.getByTestId('job-start-submit').click()
    expect(await page.getByTestId('job-start-error').textContent()).toContain('JSON object')

    await page.locator('#job-parameters').fill('{"epochs": 5}')
    await page.locator('#job-dataset').selectOption('coco')
    await page.locator('#job-review').selectOption('any')
    await page.getByTestId('job-start-submit').click()
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/)
    const jobId = page.url().split('/').pop()!
    await page.getByTestId('job-page').waitFor()
    const job = await h.call('GET', `/api/jobs/${jobId}`, undefined, 'user')
    expect(job).toMatchObject({ kind: 'training', model_name: 'detector', parameters: { epochs: 5 }, status: 'queued' })
    expect(job.dataset).toMatchObject({ format: 'coco', review: 'any' })
    await until(() => page.getByTestId('job-dataset').textContent(), (t) => Boolean(t?.includes('coco snapshot, any annotations')), 'dataset shown')
    expect(JSON.parse((await page.getByTestId('job-inputs').textContent())!)).toMatchObject({ dataset: { format: 'coco', review: 'any' } })

    // The queue on the jobs page shows it until it is canceled from its own page.
    await page.getByTestId('job-cancel').click()
    await until(() => page.getByTestId('job-page').getAttribute('data-status'), (s) => s === 'canceled', 'job canceled')
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/jobs`)
    await page.getByTestId('job-queue').waitFor()
    await shoot(page, 'jobs')
  })

  it('lays out the pipelines pages with the same shared layout as the job pages', async () => {
    await h.call('POST', '/api/pipelines', { name: 'layout-check', model_names: ['detector'] }, 'user')
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/pipelines`)
    const table = page.getByTestId('pipeline-list')
    await table.waitFor()
    const look = (testid: string) =>
      page.getByTestId(testid).evaluate((el) => {
        const s = getComputedStyle(el)
        return { display: s.display, collapse: s.borderCollapse, border: s.borderTopStyle }
      })
    expect((await look('pipeline-list')).collapse).toBe('collapse')
    expect(await look('pipeline-register')).toMatchObject({ display: 'grid', border: 'solid' })
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/jobs`)
    expect((await look('job-list')).collapse).toBe('collapse')
    expect(await look('job-start')).toMatchObject({ display: 'grid', border: 'solid' })
  })

  it('follows a running job live: its status, stages with their timings, new metric points and log lines', async () => {
    const jobId = (await h.call('POST', `/api/projects/${projectId}/jobs`, { kind: 'evaluation', model_name: 'detector', model_version: '2' }, 'user')).id
    await jobWaitsForRunnable(jobId)
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/jobs/${jobId}`)
    const job = page.getByTestId('job-page')
    await until(() => job.getAttribute('data-live'), (s) => s === 'open', 'live socket open')

    await h.call('PATCH', `/api/jobs/${jobId}/status`, { status: 'processing', stage: 'match' }, 'hmac')
    await until(() => job.getAttribute('data-status'), (s) => s === 'processing', 'processing shown')
    await until(() => page.locator('[data-testid="job-stage"][data-stage="match"]').getAttribute('data-done'), (d) => d === 'false', 'stage running')
    await h.call('POST', `/api/jobs/${jobId}/metrics`, { points: [1, 2, 3].map((step) => ({ name: 'eval/map', step, value: step / 10 })) }, 'hmac')
    await until(() => page.locator('[data-testid="metric-chart"][data-metric="eval/map"]').getAttribute('data-points').catch(() => null), (n) => n === '3', 'chart grew')
    await h.call('POST', `/api/jobs/${jobId}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'matched 120 boxes', stage: 'match' }] }, 'hmac')
    await until(() => page.getByTestId('job-log').textContent(), (t) => Boolean(t?.includes('matched 120 boxes')), 'log line arrived')
    await h.call('POST', `/api/jobs/${jobId}/progress`, { progress: 0.9, stage: 'report' }, 'hmac')
    await until(() => page.locator('[data-testid="job-stage"][data-stage="match"]').getAttribute('data-done'), (d) => d === 'true', 'first stage closed')
    await h.call('POST', `/api/jobs/${jobId}/finalize`, { status: 'completed' }, 'hmac')
    await until(() => job.getAttribute('data-status'), (s) => s === 'completed', 'completed shown')
    expect(await page.getByTestId('job-stage').count()).toBe(2)
  })
})
