import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, axeViolations, box, memberContext, shoot, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * Review at the scale of a project, in Chromium: the review queue walked image by image with the
 * keyboard, bulk accept and its undo, and two versions compared across the project with the pairs
 * of one image drawn. Two versions of a detector run over four images; on one, the same box is a
 * dog to the first and a wolf to the second.
 */
let h: Harness
let projectId: string
const analysesOf: Record<'1' | '2', string[]> = { '1': [], '2': [] }

const A = 'detector@1'
const B = 'detector@2'
const WCAG = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }

interface QueueItem {
  image_id: string
  analysis_id: string
}
interface Comparison {
  totals: Record<string, number>
  class_changes: { a_class: string; b_class: string; count: number }[]
  images: { image_id: string; disagreement: number; class_changed: number }[]
  pairs?: { outcome: string; a_id: string | null; b_id: string | null }[]
}
interface Ann {
  id: string
  confidence: number
  review_state: string
}

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_QUEUE_PORT ?? 8881))
  projectId = (await h.call('POST', '/api/projects', { name: 'Project review' }, 'user')).id
  for (const version of ['1', '2']) await h.call('POST', `/api/projects/${projectId}/model-versions`, { name: 'detector', version }, 'user')

  // [fixture, version 1's boxes, version 2's boxes]
  const seed: [string, unknown[], unknown[]][] = [
    ['astronaut.png', [box('dog', 0.55, 100, 100, 300, 300), box('person', 0.95, 400, 10, 500, 200)], [box('wolf', 0.6, 100, 100, 300, 300), box('person', 0.93, 400, 10, 500, 200)]],
    ['chelsea.png', [box('cat', 0.48, 50, 50, 250, 250), box('dog', 0.85, 300, 50, 400, 150)], [box('cat', 0.9, 50, 50, 250, 250), box('bird', 0.3, 10, 10, 40, 40)]],
    ['coffee.png', [box('cup', 0.99, 60, 60, 300, 300)], [box('cup', 0.97, 60, 60, 300, 300)]],
    ['rocket.jpg', [box('rocket', 0.62, 150, 20, 250, 300), box('smoke', 0.52, 100, 300, 300, 400)], [box('rocket', 0.7, 150, 20, 250, 300), box('flame', 0.45, 10, 10, 60, 60)]],
  ]
  for (const [fixture, v1, v2] of seed) {
    const imageId = await uploadImage(h, projectId, fixture)
    analysesOf['1'].push(await analysisWith(h, imageId, { model_name: 'detector', model_version: '1' }, v1))
    analysesOf['2'].push(await analysisWith(h, imageId, { model_name: 'detector', model_version: '2' }, v2))
  }
}, 300_000)

afterAll(async () => {
  await h?.stop()
})

const annotationsOf = async (analysisId: string) => (await h.call<{ annotations: Ann[] }>('GET', `/api/analyses/${analysisId}/annotations?limit=100`, undefined, 'user')).annotations
const allOf = async (version: '1' | '2') => (await Promise.all(analysesOf[version].map(annotationsOf))).flat()
const queueItem = (page: Page) => page.getByTestId('queue-item').getAttribute('data-image-id')

/** Painted pixels on each overlay canvas, pane by pane. */
const inkPerCanvas = (page: Page) =>
  page.getByTestId('overlay-canvas').evaluateAll((canvases) =>
    canvases.map((c) => {
      const canvas = c as HTMLCanvasElement
      if (!canvas.width || !canvas.height) return 0
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
      let painted = 0
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++
      return painted
    }),
  )

async function openQueue(page: Page, query: string) {
  await page.goto(`${h.server.baseUrl}/projects/${projectId}/review?${query}`)
  await page.getByTestId('queue-item').waitFor()
}

describe('review queue', () => {
  it('walks the images in the API’s order with [ and ], and a review made there reaches the server', async () => {
    const queue = await h.call<{ items: QueueItem[]; total: number }>('GET', `/api/projects/${projectId}/review-queue?model=${A}&order=uncertain&threshold=0.5&margin=0.2`, undefined, 'user')
    expect(queue.total).toBeGreaterThanOrEqual(3)

    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}`)
    await page.getByTestId('review-queue-link').click()
    await page.waitForURL(/\/review$/)
    await page.getByTestId('queue-item').waitFor()
    expect(await page.getByTestId('queue-model').inputValue()).toBe(A)
    expect(await queueItem(page)).toBe(queue.items[0]!.image_id)
    expect(await page.getByTestId('queue-position').textContent()).toBe(`1 of ${queue.total}`)

    const seen = [await queueItem(page)]
    for (let i = 1; i < queue.total; i++) {
      await page.keyboard.press(']')
      await until(() => queueItem(page), (id) => id !== seen.at(-1), `queue item ${i + 1}`)
      seen.push(await queueItem(page))
      expect(await page.getByTestId('queue-position').textContent()).toBe(`${i + 1} of ${queue.total}`)
    }
    expect(seen).toEqual(queue.items.map((x) => x.image_id))
    // The end stops there; [ goes back.
    await page.keyboard.press(']')
    expect(await page.getByTestId('queue-position').textContent()).toBe(`${queue.total} of ${queue.total}`)
    await page.keyboard.press('[')
    await until(() => queueItem(page), (id) => id === queue.items.at(-2)!.image_id, 'the item before the last')

    // The first prediction is selected: A accepts it, on the server too.
    const item = queue.items.at(-2)!
    const detail = page.getByTestId('annotation-detail')
    await detail.waitFor()
    const annotationId = (await detail.getAttribute('data-annotation-id'))!
    await page.keyboard.press('a')
    await until(async () => (await annotationsOf(item.analysis_id)).find((x) => x.id === annotationId)?.review_state, (s) => s === 'accepted', 'the review on the server')
    await shoot(page, 'review-queue')
    // The queue's own controls; the review list below is the image page's, checked there.
    for (const part of ['queue-head', 'queue-item', 'bulk-section']) expect(await axeViolations(page, `[data-testid="${part}"]`, WCAG), part).toEqual([])
    await page.close()
  })

  it('orders by disagreement with a second version as the API does', async () => {
    const queue = await h.call<{ items: QueueItem[]; total: number }>('GET', `/api/projects/${projectId}/review-queue?model=${B}&order=disagreement&against=${A}`, undefined, 'user')
    const page = await h.open()
    await openQueue(page, `model=${B}&order=disagreement&against=${A}`)
    expect(await page.getByTestId('queue-against').inputValue()).toBe(A)
    expect(await page.getByTestId('queue-position').textContent()).toBe(`1 of ${queue.total}`)
    expect(await queueItem(page)).toBe(queue.items[0]!.image_id)
    await page.close()
  })

  it('bulk accepts exactly the predictions at or above the threshold, and Undo puts them back', async () => {
    const before = await allOf('2')
    expect(before.every((x) => x.review_state === 'unreviewed')).toBe(true)
    const expected = before.filter((x) => x.confidence >= 0.6).map((x) => x.id).sort()

    const page = await h.open()
    await openQueue(page, `model=${B}`)
    await page.getByTestId('bulk-min-confidence').fill('0.6')
    await page.getByTestId('bulk-submit').click()
    await page.locator('[data-testid="bulk-accepted"], [data-testid="bulk-error"]').first().waitFor()
    const refused = page.getByTestId('bulk-error')
    if ((await refused.count()) > 0) throw new Error(`bulk accept refused: ${await refused.textContent()}`)
    expect(await page.getByTestId('bulk-accepted').textContent()).toMatch(new RegExp(`^${expected.length} accepted`))

    const after = await allOf('2')
    expect(after.filter((x) => x.review_state === 'accepted').map((x) => x.id).sort()).toEqual(expected)
    expect(after.filter((x) => x.confidence < 0.6).every((x) => x.review_state === 'unreviewed')).toBe(true)
    await until(() => page.getByTestId('batch-row').count(), (n) => n === 1, 'the batch in the history')
    expect(await page.getByTestId('batch-row').first().getAttribute('data-undone')).toBe('false')
    // The result and its Undo stay in sight while the person moves on through the queue.
    const first = await queueItem(page)
    await page.keyboard.press(']')
    await until(() => queueItem(page), (id) => id !== first, 'the next image')
    expect(await page.getByTestId('bulk-accepted').isVisible()).toBe(true)

    await page.getByTestId('bulk-undo').click()
    await page.getByTestId('bulk-undone').waitFor()
    expect((await allOf('2')).every((x) => x.review_state === 'unreviewed')).toBe(true)
    await until(() => page.getByTestId('batch-row').first().getAttribute('data-undone'), (v) => v === 'true', 'the batch marked undone')
    expect(await page.getByTestId('batch-undo').count()).toBe(0)
    await page.close()
  })

  it('shows a viewer the actions disabled', async () => {
    const context = await memberContext(h, projectId, 'watcher@example.com', 'viewer')
    const page = await context.newPage()
    await openQueue(page, `model=${A}`)
    expect(await page.getByTestId('bulk-submit').isDisabled()).toBe(true)
    await page.getByTestId('annotation-detail').waitFor()
    expect(await page.getByTestId('review-accept').isDisabled()).toBe(true)
    await context.close()
  })
})

describe('project compare', () => {
  it('shows the API’s totals, the dog→wolf row and the images by disagreement, and one image’s pairs', async () => {
    const cmp = await h.call<Comparison>('GET', `/api/projects/${projectId}/compare?a=${A}&b=${B}&iou=0.5`, undefined, 'user')
    expect(cmp.class_changes).toContainEqual({ a_class: 'dog', b_class: 'wolf', count: 1 })

    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}`)
    await page.getByTestId('project-compare-link').click()
    await page.waitForURL(/\/compare/)
    await page.getByTestId('compare-totals').waitFor()
    expect(await page.getByTestId('compare-version-a').inputValue()).toBe(A)
    expect(await page.getByTestId('compare-version-b').inputValue()).toBe(B)
    // The choice is kept in the URL.
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/compare?a=${A}&b=${B}`)
    await page.getByTestId('compare-totals').waitFor()
    for (const outcome of ['matched', 'only_a', 'only_b', 'class_changed']) {
      expect(await page.getByTestId(`total-${outcome}`).textContent(), outcome).toBe(String(cmp.totals[outcome]))
    }
    const change = page.locator('[data-testid="class-change-row"][data-change="dog→wolf"]')
    expect(await change.locator('td').last().textContent()).toBe('1')

    const listed = await page.getByTestId('compare-image').evaluateAll((els) => els.map((el) => ({ id: el.getAttribute('data-image-id'), d: Number(el.getAttribute('data-disagreement')) })))
    expect(listed.map((x) => x.id)).toEqual(cmp.images.map((x) => x.image_id))
    expect(listed.map((x) => x.d)).toEqual([...listed.map((x) => x.d)].sort((x, y) => y - x))

    // The image with the dog that version 2 calls a wolf.
    const target = cmp.images.find((x) => x.class_changed > 0)!
    const detail = await h.call<Comparison>('GET', `/api/projects/${projectId}/compare?a=${A}&b=${B}&iou=0.5&image_id=${target.image_id}`, undefined, 'user')
    await page.locator(`[data-testid="compare-image"][data-image-id="${target.image_id}"]`).click()
    await page.waitForURL(new RegExp(`image=${target.image_id}`))
    await until(() => page.getByTestId('pair-row').count(), (n) => n === detail.pairs!.length, 'the pairs of the image')
    const rows = await page.getByTestId('pair-row').evaluateAll((els) => els.map((el) => [el.getAttribute('data-outcome'), el.getAttribute('data-a-id') || null, el.getAttribute('data-b-id') || null]))
    expect(rows).toEqual(detail.pairs!.map((p) => [p.outcome, p.a_id, p.b_id]))
    expect(rows.map(([outcome]) => outcome)).toContain('class_changed')
    for (const outcome of ['matched', 'only_a', 'only_b', 'class_changed']) {
      expect(await page.getByTestId(`pair-count-${outcome}`).textContent(), outcome).toBe(String(detail.pairs!.filter((p) => p.outcome === outcome).length))
    }
    // Both sides drawn: one canvas per pane, each with ink once the annotations arrive.
    await until(() => inkPerCanvas(page), (ink) => ink.length === 2 && ink.every((n) => n > 0), 'ink on both panes')
    await shoot(page, 'project-compare')
    expect(await axeViolations(page, 'main', WCAG)).toEqual([])
    await page.close()
  })
})
