import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeMatchIndex, type MatchIndexJson } from '../../src/domain/evaluation/match-index'
import { metricsAtThreshold } from '../../src/domain/evaluation/threshold'
import { formatMetric } from '../../web/src/lib/evaluation-format'
import { OUTCOME_STYLE } from '../../web/src/lib/outcome-style'
import { analysisWith, axeViolations, box, settle, setRange, shoot, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * The evaluation pages in Chromium against wrangler dev: a COCO ground truth imported, a model's
 * boxes posted by signed callbacks, evaluated through the API; then the list, the comparison, the
 * panel (stats, confusion cells, the live threshold with no request per step) and the image page
 * drawing TP, FP and FN in their own styles at the evaluation's threshold.
 */
type Json = Record<string, any>
let h: Harness
let projectId: string
let astronaut: string
let ev: Json
let second: Json

// astronaut.png (512 × 512): person and flag found, a dog taken for a cat, a cat missed, a false person.
const GROUND_TRUTH = {
  images: [
    { id: 1, file_name: 'astronaut.png', width: 512, height: 512 },
    { id: 2, file_name: 'coffee.png', width: 600, height: 400 },
  ],
  categories: ['person', 'flag', 'dog', 'cat', 'cup'].map((name, i) => ({ id: i + 1, name })),
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [140, 30, 240, 470], area: 112800, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 2, bbox: [20, 20, 40, 40], area: 1600, iscrowd: 0 },
    { id: 3, image_id: 1, category_id: 3, bbox: [300, 300, 100, 100], area: 10000, iscrowd: 0 },
    { id: 4, image_id: 1, category_id: 4, bbox: [20, 400, 80, 80], area: 6400, iscrowd: 0 },
    { id: 5, image_id: 2, category_id: 5, bbox: [150, 100, 250, 200], area: 50000, iscrowd: 0 },
  ],
}

const get = (path: string) => h.call<Json>('GET', path, undefined, 'user')

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_EVAL_PORT ?? 8871))
  projectId = (await h.call('POST', '/api/projects', { name: 'Evaluated' }, 'user')).id
  astronaut = await uploadImage(h, projectId, 'astronaut.png')
  const coffee = await uploadImage(h, projectId, 'coffee.png')
  // The ground-truth import takes the COCO file as the body; the harness's call sends JSON.
  await h.call('POST', `/api/projects/${projectId}/ground-truth`, GROUND_TRUTH, 'user')
  await analysisWith(h, astronaut, { model_name: 'detector', model_version: '1' }, [
    box('person', 0.9, 145, 35, 375, 495),
    box('flag', 0.4, 20, 20, 60, 60),
    box('cat', 0.7, 300, 300, 400, 400),
    box('person', 0.3, 420, 10, 500, 90),
  ])
  await analysisWith(h, coffee, { model_name: 'detector', model_version: '1' }, [box('cup', 0.8, 150, 100, 400, 300)])
  await analysisWith(h, astronaut, { model_name: 'detector', model_version: '2' }, [box('person', 0.95, 140, 30, 380, 500)])
  const evaluate = (version: string, name: string) =>
    h.call<Json>('POST', `/api/projects/${projectId}/evaluations`, { name, predictions: { model_name: 'detector', model_version: version }, ground_truth: { source: 'import' }, iou_type: 'bbox' }, 'user')
  second = await evaluate('2', 'detector v2')
  ev = await evaluate('1', 'detector v1')
  expect(ev.status).toBe('completed')
  expect(ev.counts).toMatchObject({ tp: 3, fp: 2, fn: 2 })
}, 300_000)

afterAll(async () => {
  await h?.stop()
})

/** Every request the page makes from now on. */
function recordRequests(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (r) => seen.push(r.url()))
  return seen
}

describe('evaluations in the viewer', () => {
  it('lists the project’s evaluations newest first and compares two side by side', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}`)
    await page.getByTestId('evaluations-link').click()
    await page.waitForURL(/\/evaluations$/)
    const rows = page.getByTestId('evaluation-row')
    await until(() => rows.count(), (n) => n === 2, 'two evaluations listed')
    expect(await rows.nth(0).getAttribute('data-evaluation-id')).toBe(ev.id)
    expect(await rows.nth(0).textContent()).toContain('detector@1')
    expect(await rows.nth(0).getByTestId('evaluation-ap').textContent()).toBe(formatMetric(ev.stats[0]))
    expect(await rows.nth(1).textContent()).toContain('detector@2')

    await rows.nth(0).getByTestId('pick-compare').check()
    await rows.nth(1).getByTestId('pick-compare').check()
    const cmp = page.getByTestId('evaluation-comparison')
    await cmp.waitFor()
    const api = await get(`/api/evaluations/compare?a=${ev.id}&b=${second.id}`)
    expect(await cmp.getByTestId('comparison-stat').count()).toBe(12)
    const ap = cmp.locator('[data-testid="comparison-stat"][data-stat="AP"] td')
    expect(await ap.allTextContents()).toEqual([formatMetric(api.stats[0].a), formatMetric(api.stats[0].b), expect.any(String)])
    for (const w of api.warnings) expect(await cmp.textContent()).toContain(w)
  })

  it('starts an evaluation from the form, follows one running in the background, and deletes one', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/evaluations`)
    await page.getByTestId('evaluation-start').waitFor()
    await page.locator('#evaluation-model').fill('detector')
    await page.locator('#evaluation-version').fill('9')
    await page.getByTestId('evaluation-start-submit').click()
    // No analysis of that version: the server's reason, in place.
    expect(await page.getByTestId('evaluation-start-error').textContent()).toContain('detector@9')
    await page.locator('#evaluation-version').fill('2')
    await page.locator('#evaluation-name').fill('from the form')
    await page.getByTestId('evaluation-start-submit').click()
    await page.waitForURL(/\/evaluations\/[0-9a-f-]{36}$/)
    await until(() => page.getByTestId('evaluation-page').getAttribute('data-status'), (s) => s === 'completed', 'evaluated')
    const formId = page.url().split('/').at(-1)!
    expect(await page.locator('h1').textContent()).toBe('from the form')

    // 202: the page polls until the Durable Object has finished it.
    const queued = await h.call<Json>('POST', `/api/projects/${projectId}/evaluations`, { predictions: { model_name: 'detector', model_version: '1' }, background: true }, 'user')
    expect(['queued', 'running']).toContain(queued.status)
    await page.goto(`${h.server.baseUrl}/evaluations/${queued.id}`)
    await until(() => page.getByTestId('evaluation-page').getAttribute('data-status'), (s) => s === 'completed', 'background evaluation done', 60_000)
    await page.getByTestId('evaluation-stats').waitFor()

    await page.goto(`${h.server.baseUrl}/projects/${projectId}/evaluations`)
    const rows = page.getByTestId('evaluation-row')
    await until(() => rows.count(), (n) => n === 4, 'four evaluations listed')
    page.once('dialog', (d) => void d.accept())
    await page.locator(`[data-testid="evaluation-row"][data-evaluation-id="${formId}"] [data-testid="evaluation-delete"]`).click()
    await until(() => rows.count(), (n) => n === 3, 'deleted from the list')
    await expect(get(`/api/evaluations/${formId}`)).rejects.toThrow(/404/)
    await h.call('DELETE', `/api/evaluations/${queued.id}`, undefined, 'user')
  })

  it('imports a COCO file as ground truth from the page, names the file names it could not match, and deletes it', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/evaluations`)
    const rows = page.getByTestId('ground-truth-row')
    await until(() => rows.count(), (n) => n === 1, 'the import made through the API')
    const file = {
      ...GROUND_TRUTH,
      images: [...GROUND_TRUTH.images, { id: 3, file_name: 'not-in-the-project.png', width: 10, height: 10 }],
      annotations: [...GROUND_TRUTH.annotations, { id: 6, image_id: 3, category_id: 1, bbox: [0, 0, 5, 5], area: 25, iscrowd: 0 }],
    }
    await page.getByTestId('ground-truth-file').setInputFiles({ name: 'relabelled.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) })
    await until(() => rows.count(), (n) => n === 2, 'the uploaded import listed')
    expect(await page.getByTestId('ground-truth-unmatched').textContent()).toContain('not-in-the-project.png')
    const { imports } = await get(`/api/projects/${projectId}/ground-truth`)
    expect(imports[0]).toMatchObject({ name: 'relabelled.json', status: 'complete', counts: { objects: 5, matched_images: 2, unmatched_images: 1 } })
    expect(await rows.first().textContent()).toContain('relabelled.json')
    await page.getByRole('button', { name: 'Delete the import relabelled.json' }).click()
    await until(() => rows.count(), (n) => n === 1, 'the uploaded import deleted')
    expect((await get(`/api/projects/${projectId}/ground-truth`)).imports).toHaveLength(1)
    expect(await axeViolations(page, '[data-testid="ground-truth"]', { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })).toEqual([])
  })

  it('shows the stats the API returned and lists exactly a confusion cell’s objects', async () => {
    const page = await h.open({ width: 1400, height: 1000 })
    await page.goto(`${h.server.baseUrl}/evaluations/${ev.id}`)
    await page.getByTestId('evaluation-stats').waitFor()
    expect(await page.getByTestId('evaluation-page').getAttribute('data-status')).toBe('completed')
    for (const [i, name] of ev.stat_names.entries()) {
      const cell = page.locator(`[data-testid="evaluation-stats"] td[data-stat="${name}"]`)
      expect(Number(await cell.getAttribute('data-value')), name).toBe(ev.stats[i])
      expect(await cell.textContent(), name).toBe(formatMetric(ev.stats[i]))
    }
    expect(await page.locator('[data-testid="ap-bar"][data-class="person"] [data-metric="ap50"]').textContent()).toBe(
      formatMetric(ev.result.per_class.find((c: Json) => c.class_name === 'person').ap50),
    )
    expect(await page.getByTestId('pr-curve').count()).toBe(2)

    // The dog taken for a cat: row dog, column cat.
    const confused = page.locator('[data-testid="confusion-cell"][data-true="dog"][data-predicted="cat"]')
    expect(await confused.getAttribute('data-count')).toBe('1')
    const { labels, counts } = ev.result.confusion_matrix
    expect(await page.getByTestId('confusion-cell').count()).toBe(counts.flat().filter((n: number) => n > 0).length)
    for (const [t, p] of [['dog', 'cat'], ['cat', 'background'], ['background', 'person']] as const) {
      await page.locator(`[data-testid="confusion-cell"][data-true="${t}"][data-predicted="${p}"]`).click()
      const grid = page.locator(`[data-testid="confusion-objects"][data-true="${t}"][data-predicted="${p}"]`)
      await grid.waitFor()
      const api = await get(`/api/evaluations/${ev.id}/confusion?true_class=${t}&predicted_class=${p}`)
      expect(api.count).toBe(counts[labels.indexOf(t)][labels.indexOf(p)])
      await until(() => grid.getByTestId('cell-object').count(), (n) => n === api.objects.length, `${t}/${p} listed`)
      const listed = await grid.getByTestId('cell-object').evaluateAll((els) => els.map((e) => e.getAttribute('data-object-id')))
      expect(listed.sort()).toEqual(api.objects.map((o: Json) => o.id).sort())
      // Each thumbnail draws its object, and opens its image with the evaluation.
      const first = grid.getByTestId('cell-object').first()
      await until(() => first.getAttribute('data-drawn'), (d) => Number(d) > 0, 'object drawn on its thumbnail')
      expect(await first.getAttribute('href')).toBe(`/images/${api.objects[0].image_id}?evaluation=${ev.id}`)
    }

    const errors = page.getByTestId('error-image')
    await until(() => errors.count(), (n) => n === 2, 'two images listed')
    expect(await errors.first().getAttribute('data-image-id')).toBe(astronaut)
    // The README's picture: the summary, AP per class and the curves, at the top of the panel.
    await page.getByTestId('evaluation-page').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await shoot(page, 'evaluation')
    expect(await axeViolations(page, '[data-testid="evaluation-page"]', { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })).toEqual([])
  })

  it('recomputes precision, recall and F1 as the threshold moves, with no request', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/evaluations/${ev.id}`)
    await page.getByTestId('threshold-table').waitFor()
    await page.waitForLoadState('networkidle')
    const index = decodeMatchIndex((await get(`/api/evaluations/${ev.id}/matches`)) as unknown as MatchIndexJson)
    const requests = recordRequests(page)
    const read = (row: string, cls: string) =>
      page.locator(`[data-testid="${row}"][data-class="${cls}"] td[data-metric]`).evaluateAll((tds) => tds.map((td) => td.textContent))
    const expected = (c: { precision: number | null; recall: number | null; f1: number | null }) => [formatMetric(c.precision), formatMetric(c.recall), formatMetric(c.f1)]
    const seen = new Set<string>()
    for (const t of [0.35, 0.5, 0.75, 0.95, 0]) {
      await setRange(page, 'threshold-slider', t)
      await settle(page)
      const m = metricsAtThreshold(index, t)
      expect(await page.getByTestId('threshold-value').textContent()).toBe(t.toFixed(2))
      for (const c of m.per_class) expect(await read('threshold-row', c.class_name), `${c.class_name} at ${t}`).toEqual(expected(c))
      expect(await read('threshold-average', 'micro')).toEqual(expected(m.overall))
      expect(await read('threshold-average', 'macro')).toEqual(expected(m.macro))
      seen.add((await read('threshold-average', 'micro')).join())
    }
    expect(seen.size).toBeGreaterThan(2)
    expect(requests).toEqual([])
  })

  it('draws TP, FP and FN in their own styles on the image at the evaluation’s threshold, ground truth as its own layer', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/images/${astronaut}?evaluation=${ev.id}&min_score=0.5`)
    const section = page.getByTestId('image-evaluation')
    await section.waitFor()
    // The flag (0.4) and the false person (0.3) fall below 0.5: the flag becomes a miss, as the server judges it.
    const server = await get(`/api/evaluations/${ev.id}/objects?image_id=${astronaut}&min_score=0.5&limit=1000`)
    const n = (s: string) => server.objects.filter((o: Json) => o.status === s && (s === 'fn' ? o.kind === 'ground_truth' : o.kind === 'detection')).length
    expect([n('tp'), n('fp'), n('fn')]).toEqual([1, 1, 3])
    const legend = page.getByTestId('outcome-legend')
    for (const o of ['tp', 'fp', 'fn']) expect(await legend.locator(`[data-outcome="${o}"]`).getAttribute('data-count'), o).toBe(String(n(o)))
    expect(await page.getByTestId('evaluation-min-score').textContent()).toContain('0.5')
    // Ground truth is drawn under the predictions: two overlay canvases, every outcome drawn.
    await until(() => section.getAttribute('data-drawn'), (d) => d === 'tp:2 fp:1 fn:3', 'outcomes drawn')
    await settle(page)
    expect(await page.getByTestId('overlay-canvas').count()).toBe(2)
    const ink = await outcomeInk(page)
    for (const o of ['tp', 'fp', 'fn'] as const) expect(ink[o], o).toBeGreaterThan(50)
    await shoot(page, 'evaluation-image')
    expect(await axeViolations(page, '[data-testid="evaluation-section"]', { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })).toEqual([])

    // Without the ground truth layer the misses go, and the predictions stay.
    await page.getByTestId('ground-truth-toggle').click()
    await until(() => page.getByTestId('overlay-canvas').count(), (c) => c === 1, 'ground-truth layer gone')
    await until(() => section.getAttribute('data-drawn'), (d) => d === 'tp:1 fp:1 fn:0', 'predictions only')
    await settle(page)
    const predictionsOnly = await outcomeInk(page)
    expect(predictionsOnly.fn).toBeLessThan(10)
    expect(predictionsOnly.tp).toBeGreaterThan(50)
  })
})

/** Opaque pixels of the overlay canvases close to each outcome's colour. */
async function outcomeInk(page: Page): Promise<Record<'tp' | 'fp' | 'fn', number>> {
  const colours = { tp: OUTCOME_STYLE.tp.color, fp: OUTCOME_STYLE.fp.color, fn: OUTCOME_STYLE.fn.color }
  return page.evaluate((colours) => {
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
    const targets = Object.entries(colours).map(([k, hex]) => [k, rgb(hex)] as const)
    const out: Record<string, number> = { tp: 0, fp: 0, fn: 0 }
    for (const c of document.querySelectorAll<HTMLCanvasElement>('[data-testid="overlay-canvas"]')) {
      if (!c.width || !c.height) continue
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! < 200) continue
        for (const [k, [r, g, b]] of targets) if (Math.abs(d[i]! - r!) + Math.abs(d[i + 1]! - g!) + Math.abs(d[i + 2]! - b!) < 40) out[k]!++
      }
    }
    return out as Record<'tp' | 'fp' | 'fn', number>
  }, colours)
}
