import { env } from 'cloudflare:workers'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../../src/config'
import { api, createAnalysis, createProject, createUser, fetchWithEnv, request, signed, uploadImage, type TestUser } from './helpers'
import { createJob } from './jobs-helpers'

const SCRAPER = 'scrape-token-0123456789abcdef'
const MIN = 60_000

let alice: TestUser
let bob: TestUser
let aliceProject: string
let aliceAnalysis: string
let bobAnalysis: string
const model = `m-${crypto.randomUUID().slice(0, 8)}`
const bobModel = `${model}-bob`

/** Sets an analysis's lifecycle timestamps, minutes before one instant, so their differences are exact. */
async function times(id: string, status: string, createdMin: number, startedMin: number | null, completedMin: number | null) {
  const now = Date.now()
  const ago = (m: number | null) => (m === null ? null : new Date(now - m * MIN).toISOString())
  await env.DB.prepare('UPDATE analyses SET status = ?, created_at = ?, started_at = ?, completed_at = ? WHERE id = ?')
    .bind(status, ago(createdMin), ago(startedMin), ago(completedMin), id)
    .run()
}

beforeAll(async () => {
  alice = await createUser('alice')
  bob = await createUser('bob')
  aliceProject = (await createProject(alice)).id
  const image = await uploadImage(alice, aliceProject)
  const make = async (status: string, c: number, s: number | null, f: number | null) => {
    const a = await createAnalysis(alice, image.id, { model_name: model, model_version: '1' })
    await times(a.id, status, c, s, f)
    return a.id
  }
  // Waits of 2, 2 and 4 minutes; processing of half a minute and 20 minutes, none on a bucket's bound.
  await make('completed', 10, 8, 7.5)
  await make('failed', 40, 38, 18)
  await make('processing', 6, 2, null)
  await make('queued', 1, null, null)
  const target = await make('queued', 1, null, null)
  aliceAnalysis = target
  // A callback with a bad signature is refused and audited by its code.
  expect((await signed('PATCH', `/api/analyses/${target}/status`, { status: 'processing' }, { secret: 'wrong' })).status).toBe(401)
  const bobImage = await uploadImage(bob, (await createProject(bob)).id)
  bobAnalysis = (await createAnalysis(bob, bobImage.id, { model_name: bobModel, model_version: '1' })).id
})

const scrapeText = async (token: string, overrides: Record<string, string> = {}) => {
  const res = await fetchWithEnv(request('/api/metrics', { token }), { LOUPE_METRICS_TOKEN: SCRAPER, ...overrides })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return res.text()
}
const scrape = async (token: string, overrides: Record<string, string> = {}) => parsePrometheusTextFormat(await scrapeText(token, overrides))
const family = (parsed: ReturnType<typeof parsePrometheusTextFormat>, name: string) => parsed.find((f) => f.name === name)

describe('GET /api/metrics', () => {
  it('parses as Prometheus text, with counts, active runs and duration histograms per model and version', async () => {
    const text = await scrapeText(alice.token)
    const parsed = parsePrometheusTextFormat(text)
    const analyses = family(parsed, 'loupe_analyses')!
    expect(analyses.type).toBe('GAUGE')
    const count = (status: string) => analyses.metrics.find((m) => m.labels?.model_name === model && m.labels?.status === status)?.value
    expect([count('completed'), count('failed'), count('processing'), count('queued')]).toEqual(['1', '1', '1', '2'])
    expect(family(parsed, 'loupe_analyses_active')!.metrics.find((m) => m.labels?.model_name === model)!.value).toBe('3')

    // The parser checks every line and each family's type, but folds a labelled histogram into one
    // entry, so the per-model buckets are read from the sample lines it accepted.
    expect(family(parsed, 'loupe_analysis_queue_wait_seconds')!.type).toBe('HISTOGRAM')
    expect(family(parsed, 'loupe_analysis_processing_seconds')!.type).toBe('HISTOGRAM')
    const sample = (name: string, le?: string) => {
      const labels = `model_name="${model}",model_version="1"${le ? `,le="${le}"` : ''}`
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
    }
    // Waits of 2, 2 and 4 minutes; processing of half a minute and 20 minutes.
    expect(sample('loupe_analysis_queue_wait_seconds_count')).toBe(3)
    expect(sample('loupe_analysis_queue_wait_seconds_sum')).toBeCloseTo(8 * 60, 0)
    expect(sample('loupe_analysis_queue_wait_seconds_bucket', '60')).toBe(0)
    expect(sample('loupe_analysis_queue_wait_seconds_bucket', '300')).toBe(3)
    expect(sample('loupe_analysis_processing_seconds_count')).toBe(2)
    expect(sample('loupe_analysis_processing_seconds_bucket', '60')).toBe(1)
    expect(sample('loupe_analysis_processing_seconds_bucket', '1800')).toBe(2)
    expect(sample('loupe_analysis_processing_seconds_bucket', '+Inf')).toBe(2)

    const rejections = family(parsed, 'loupe_callback_rejections_total')!
    expect(rejections.type).toBe('COUNTER')
    expect(rejections.metrics.find((m) => m.labels?.code === 'signature_invalid')?.value).toBe('1')
  })

  it("shows a user only their projects' numbers, and a scraper token the whole deployment", async () => {
    const mine = await scrape(alice.token)
    expect(family(mine, 'loupe_analyses')!.metrics.some((m) => m.labels?.model_name === bobModel)).toBe(false)
    expect(family(mine, 'loupe_projects')!.metrics[0]!.value).toBe('1')
    const all = await scrape(SCRAPER)
    expect(family(all, 'loupe_analyses')!.metrics.some((m) => m.labels?.model_name === bobModel)).toBe(true)
    expect(family(all, 'loupe_analyses')!.metrics.some((m) => m.labels?.model_name === model)).toBe(true)
  })

  it('counts jobs by kind and status, and webhook deliveries by event and outcome with their latency', async () => {
    await createJob(alice, aliceProject, { kind: 'training', model_name: model })
    await createJob(alice, aliceProject, { kind: 'custom', model_name: model })
    // The delivery log as dispatch writes it: an attempt per row, its outcome and how long the receiver took.
    const attempt = (runId: string, event: string, outcome: string, latencyMs: number | null, n: number) =>
      env.DB.prepare(
        `INSERT INTO deliveries (id, webhook_id, run_kind, run_id, event, endpoint_url, attempt, outcome, response_status, latency_ms)
         VALUES (?, ?, 'analysis', ?, ?, 'https://pipeline.example/hook', ?, ?, ?, ?)`,
      )
        .bind(crypto.randomUUID(), `msg_${runId}_${event}`, runId, event, n, outcome, outcome === 'delivered' ? 200 : 500, latencyMs)
        .run()
    await attempt(aliceAnalysis, 'analysis.created', 'failed', 3000, 1)
    await attempt(aliceAnalysis, 'analysis.created', 'delivered', 40, 2)
    await attempt(aliceAnalysis, 'analysis.canceled', 'dead', 12_000, 1)
    await attempt(bobAnalysis, 'analysis.created', 'delivered', 100, 1)

    const text = await scrapeText(alice.token)
    const parsed = parsePrometheusTextFormat(text)
    const jobs = family(parsed, 'loupe_jobs')!
    expect(jobs.metrics.map((m) => [m.labels?.kind, m.labels?.status, m.value]).sort()).toEqual([
      ['custom', 'queued', '1'],
      ['training', 'queued', '1'],
    ])
    expect(family(parsed, 'loupe_jobs_active')!.metrics.map((m) => [m.labels?.kind, m.value]).sort()).toEqual([
      ['custom', '1'],
      ['training', '1'],
    ])
    const deliveries = family(parsed, 'loupe_webhook_deliveries_total')!
    expect(deliveries.type).toBe('COUNTER')
    expect(deliveries.metrics.map((m) => [m.labels?.event, m.labels?.outcome, m.value]).sort()).toEqual([
      ['analysis.canceled', 'dead', '1'],
      ['analysis.created', 'delivered', '1'],
      ['analysis.created', 'failed', '1'],
    ])
    expect(family(parsed, 'loupe_webhook_delivery_seconds')!.type).toBe('HISTOGRAM')
    const line = (name: string, labels: string) => Number(text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))?.split(' ').at(-1))
    expect(line('loupe_webhook_delivery_seconds_bucket', 'event="analysis.created",le="0.05"')).toBe(1)
    expect(line('loupe_webhook_delivery_seconds_bucket', 'event="analysis.created",le="2.5"')).toBe(1)
    expect(line('loupe_webhook_delivery_seconds_bucket', 'event="analysis.created",le="5"')).toBe(2)
    expect(line('loupe_webhook_delivery_seconds_count', 'event="analysis.created"')).toBe(2)
    expect(line('loupe_webhook_delivery_seconds_sum', 'event="analysis.created"')).toBeCloseTo(3.04, 9)
    expect(line('loupe_webhook_delivery_seconds_bucket', 'event="analysis.canceled",le="10"')).toBe(0)
    expect(line('loupe_webhook_delivery_seconds_bucket', 'event="analysis.canceled",le="+Inf"')).toBe(1)

    // Bob's delivery is his project's: the scraper sees it, Alice does not.
    const all = family(await scrape(SCRAPER), 'loupe_webhook_deliveries_total')!
    expect(all.metrics.find((m) => m.labels?.event === 'analysis.created' && m.labels?.outcome === 'delivered')!.value).toBe('2')
  })

  it('counts 429 refusals by the limit that refused them, written a few at a time, for scrapers only', async () => {
    const carol = await createUser('carol')
    const tight = { RATE_LIMIT_USER: env.TEST_TIGHT_LIMIT } as unknown as Record<string, string>
    const call = async () => (await fetchWithEnv(request('/api/projects', { token: carol.token }), tight)).status
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      // Past any earlier write of this isolate's tally, so the first refusal is written at once.
      vi.setSystemTime(Date.now() + 60_000)
      expect([await call(), await call(), await call(), await call(), await call()]).toEqual([200, 200, 200, 429, 429])
      const written = async () => (await env.DB.prepare("SELECT n FROM rate_limit_refusals WHERE scope = 'token'").first<{ n: number }>())?.n
      // The second refusal waits in memory: a flood costs a write every few seconds, not one per request.
      expect(await written()).toBe(1)
      vi.setSystemTime(Date.now() + 11_000)
      expect(await call()).toBe(429)
      expect(await written()).toBe(3)
    } finally {
      vi.useRealTimers()
    }
    const all = family(await scrape(SCRAPER), 'loupe_rate_limited_total')!
    expect(all.type).toBe('COUNTER')
    expect(all.metrics.find((m) => m.labels?.scope === 'token')?.value).toBe('3')
    // Limits count tokens and addresses, not projects: a person's scrape has no share of them.
    expect(family(await scrape(alice.token), 'loupe_rate_limited_total')?.metrics ?? []).toEqual([])
  })

  it('refuses anonymous callers and unknown tokens with 401', async () => {
    expect((await api('/api/metrics')).status).toBe(401)
    const res = await fetchWithEnv(request('/api/metrics', { token: 'not-a-token' }), { LOUPE_METRICS_TOKEN: SCRAPER })
    expect(res.status).toBe(401)
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe('unauthorized')
  })
})

describe('SLOs', () => {
  const SLOS = JSON.stringify([
    { name: 'fast', model_name: model, objective: 0.9, threshold_minutes: 5 },
    { name: 'lenient', model_name: model, objective: 0.5, threshold_minutes: 60, window_days: 7 },
  ])

  it('reports each SLO with its current value and error budget', async () => {
    const res = await fetchWithEnv(request('/api/slos', { token: alice.token }), { ML_SLOS: SLOS })
    expect(res.status).toBe(200)
    const { slos } = await res.json<{ slos: { name: string; good: number; bad: number; pending: number; current: number; met: boolean; error_budget: { allowed: number; spent: number; remaining: number } }[] }>()
    // fast (5 min): completed in 2.5 min is good; failed, and processing for 6 min, are bad; two queued 1 min ago are pending.
    const fast = slos.find((s) => s.name === 'fast')!
    expect(fast).toMatchObject({ good: 1, bad: 2, pending: 2, met: false })
    expect(fast.current).toBeCloseTo(1 / 3)
    expect(fast.error_budget.allowed).toBeCloseTo(0.3)
    expect(fast.error_budget.remaining).toBeCloseTo(1 - 2 / 0.3)
    // lenient (60 min): the failed one is bad; the processing and queued ones are still pending.
    const lenient = slos.find((s) => s.name === 'lenient')!
    expect(lenient).toMatchObject({ good: 1, bad: 1, pending: 3, met: true })
    expect(lenient.error_budget.remaining).toBeCloseTo(0)
  })

  it('exposes the SLOs in the metrics too', async () => {
    const parsed = await scrape(alice.token, { ML_SLOS: SLOS })
    expect(family(parsed, 'loupe_slo_current')!.metrics.find((m) => m.labels?.slo === 'fast')!.value).toMatch(/^0\.333/)
    expect(family(parsed, 'loupe_slo_objective')!.metrics.find((m) => m.labels?.slo === 'lenient')!.value).toBe('0.5')
  })

  it('refuses a malformed ML_SLOS, naming the variable and the field', () => {
    expect(() => parseConfig({ ML_SLOS: '[{"name":"x","objective":2,"threshold_minutes":5}]' })).toThrow(/ML_SLOS[\s\S]*objective/)
    expect(() => parseConfig({ ML_SLOS: 'not json' })).toThrow(/ML_SLOS/)
    const dup = JSON.stringify([1, 2].map(() => ({ name: 'same', objective: 0.9, threshold_minutes: 5 })))
    expect(() => parseConfig({ ML_SLOS: dup })).toThrow(/unique/)
  })
})
