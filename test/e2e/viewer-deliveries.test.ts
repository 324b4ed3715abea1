import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Locator, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer } from '../../bench/dev-server'
import { serverApi } from './server-api'
import { axeViolations, CHROMIUM_ARGS, memberContext, shoot, signIn, until, uploadImage, type Harness } from './viewer-harness'

/**
 * The delivery log in Chromium, against a `wrangler dev` with push on that delivers through its
 * real local queue to a real receiver on loopback: the analysis page and the job page list each
 * attempt with its outcome as they happen, an editor's Redeliver adds a new message's attempts,
 * and a viewer sees the log without the button.
 */
const PORT = Number(process.env.E2E_DELIVERIES_PORT ?? 8843)
/** Long enough to see a failed attempt waiting for its retry, short enough to watch the retry land. */
const RETRY_SECONDS = 8

interface Hit {
  webhookId: string
  status: number
}

/** Answers 500 to the first attempt of each message (webhook-id) and 204 to the ones after. */
async function startFlakyReceiver(): Promise<{ url: string; hits: Hit[]; server: Server }> {
  const hits: Hit[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const webhookId = String(req.headers['webhook-id'])
      const status = hits.some((h) => h.webhookId === webhookId) ? 204 : 500
      hits.push({ webhookId, status })
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end(status === 204 ? undefined : 'receiver answered 500')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits, server }
}

let h: Harness
let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>
let projectId: string
let imageId: string

/** The viewer harness, but on a server that pushes: startHarness takes no settings. */
async function startPushHarness(): Promise<Harness> {
  const server = await startBenchServer(PORT, {
    vars: { ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'true', ML_WEBHOOK_ALLOW_LOOPBACK: 'true', ML_WEBHOOK_RETRY_SCHEDULE: String(RETRY_SECONDS) },
  })
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await signIn(context, server.baseUrl, server.token)
  const api = serverApi(() => server)
  return {
    server,
    browser,
    context,
    call: (method, path, payload, auth) => {
      if (auth !== 'user') throw new Error('this suite makes no signed callbacks')
      return api(method, path, payload)
    },
    open: () => context.newPage(),
    async stop() {
      await browser.close()
      server.stop()
    },
  }
}

const deliveriesOf = (path: string) => h.call<{ deliveries: { outcome: string; attempt: number; webhook_id: string }[] }>('GET', `${path}/deliveries`, undefined, 'user').then((r) => r.deliveries)

/** The log's rows as a person reads them, newest first: outcome, attempt, webhook id. */
const rowsOf = (page: Page) =>
  page
    .getByTestId('delivery')
    .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-outcome')} #${r.getAttribute('data-attempt')} ${r.getAttribute('data-webhook-id')}`))

const row = (log: Locator, webhookId: string, attempt: number) => log.locator(`[data-testid="delivery"][data-webhook-id="${webhookId}"][data-attempt="${attempt}"]`)

let pipeline: { id: string }

beforeAll(async () => {
  receiver = await startFlakyReceiver()
  h = await startPushHarness()
  projectId = (await h.call('POST', '/api/projects', { name: 'Deliveries' }, 'user')).id
  imageId = await uploadImage(h, projectId, 'astronaut.png')
  pipeline = await h.call('POST', '/api/pipelines', { name: 'pusher', model_names: ['push_detector'], job_kinds: ['training'], webhook_url: receiver.url }, 'user')
  await h.call('POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: pipeline.id }, 'user')
  await h.call('POST', `/api/pipelines/${pipeline.id}/secrets`, { purpose: 'webhook' }, 'user')
}, 300_000)

afterAll(async () => {
  await h?.stop()
  await new Promise((resolve) => receiver?.server.close(resolve))
})

describe('the delivery log in the viewer', () => {
  let analysisId: string

  it('lists an analysis’s attempts as they are made, and an editor’s Redeliver adds a new message’s attempts', async () => {
    analysisId = (await h.call('POST', `/api/images/${imageId}/analyses`, { model_name: 'push_detector', model_version: '1' }, 'user')).id
    const [first] = await until(() => deliveriesOf(`/api/analyses/${analysisId}`), (d) => d.length >= 1, 'the first attempt', 30_000)
    expect(first).toMatchObject({ outcome: 'failed', attempt: 1 })
    const message = first!.webhook_id

    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${analysisId}`)
    const log = page.getByTestId('deliveries-section')
    const failed = row(log, message, 1)
    await failed.waitFor()
    for (const name of ['Event', 'Outcome', 'When']) await expect(log.getByRole('columnheader', { name }).count()).resolves.toBe(1)
    expect(await failed.getByRole('row').first().textContent()).toMatch(/analysis\.created.*#1.*failed\s*500 · \d+ ms/)
    // A slow page load may already find the retry made; the redelivery below is watched from the start.
    expect(await failed.getByTestId('delivery-next').textContent()).toMatch(/^(retry (in \d+ s|in a moment|due)|retried)$/)
    await failed.getByText('Response', { exact: true }).click()
    expect(await failed.getByTestId('delivery-excerpt').textContent()).toBe('receiver answered 500')

    // The run is still queued, so the log refreshes by itself: the retry lands on top, delivered.
    await until(() => rowsOf(page), (r) => r[0] === `delivered #2 ${message}`, 'the retry in the log', 30_000)
    expect(await rowsOf(page)).toEqual([`delivered #2 ${message}`, `failed #1 ${message}`])
    expect(await row(log, message, 2).getByTestId('delivery-response').textContent()).toMatch(/^204 · \d+ ms$/)
    expect(await failed.getByTestId('delivery-next').textContent()).toBe('retried')

    await log.getByRole('button', { name: `Redeliver analysis.created, attempt 2 of ${message}` }).click()
    const rows = await until(() => rowsOf(page), (r) => r.length === 3, 'the redelivery in the log', 30_000)
    const redelivered = rows[0]!.split(' ')[2]!
    expect(redelivered).not.toBe(message)
    expect(rows[0]).toBe(`failed #1 ${redelivered}`)
    expect(await row(log, redelivered, 1).getAttribute('data-redelivered')).toBe('true')
    // The failed attempt says when it is tried again, until it has been.
    expect(await row(log, redelivered, 1).getByTestId('delivery-next').textContent()).toMatch(/^retry (in \d+ s|in a moment|due)$/)
    expect(await log.getByRole('status').textContent()).toContain(`Redelivered as ${redelivered}`)
    // A table with headers, buttons with names, badges that read against their colour.
    expect(await axeViolations(page, '[data-testid="deliveries-section"]', { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })).toEqual([])
    await until(() => rowsOf(page), (r) => r[0] === `delivered #2 ${redelivered}`, 'the redelivery’s retry', 30_000)
    expect(receiver.hits).toEqual([
      { webhookId: message, status: 500 },
      { webhookId: message, status: 204 },
      { webhookId: redelivered, status: 500 },
      { webhookId: redelivered, status: 204 },
    ])
    await shoot(page, 'deliveries')
    await page.close()
  }, 120_000)

  it('shows a viewer the log without a Redeliver button', async () => {
    const viewer = await memberContext(h, projectId, 'reader@loupe.local', 'viewer')
    const page = await viewer.newPage()
    await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${analysisId}`)
    await until(() => rowsOf(page), (r) => r.length === 4, 'the log, read-only')
    expect(await page.getByRole('button', { name: /Redeliver/ }).count()).toBe(0)
    await viewer.close()
  })

  it('lists a job’s job.runnable attempts on the job page', async () => {
    const job = await h.call('POST', `/api/projects/${projectId}/jobs`, { kind: 'training', model_name: 'push_detector', parameters: {} }, 'user')
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/jobs/${job.id}`)
    await page.getByTestId('job-page').waitFor()
    const rows = await until(() => rowsOf(page), (r) => r.length >= 1, 'the job’s first attempt', 30_000)
    expect(rows.at(-1)).toMatch(/^failed #1 msg_/)
    expect(await page.getByTestId('delivery').last().textContent()).toContain('job.runnable')
    await until(() => rowsOf(page), (r) => r[0]?.startsWith('delivered #2') ?? false, 'the job’s retry', 30_000)
    expect(await page.getByTestId('deliveries-section').getByRole('button', { name: /^Redeliver job\.runnable/ }).count()).toBe(2)
    await page.close()
  }, 90_000)

  it('lists every attempt to the endpoint on its pipeline’s page, each naming its run', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/pipelines/${pipeline.id}`)
    const rows = await until(() => page.getByTestId('delivery').count(), (n) => n >= 6, 'the endpoint’s log', 30_000)
    expect(rows).toBeGreaterThanOrEqual(6)
    const runs = await page.getByTestId('delivery-run').allTextContents()
    expect(runs.some((r) => r.startsWith('analysis '))).toBe(true)
    expect(runs.some((r) => r.startsWith('job '))).toBe(true)
    expect(await page.getByRole('button', { name: /^Redeliver / }).count()).toBe(rows)
    await page.close()
  }, 60_000)
})
