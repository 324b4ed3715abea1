import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, box, imagePoint, memberContext, screenPixel, settle, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * Reviewing in the browser: the annotation list beside the image, decisions drawn on the canvas,
 * the keyboard (A, R, U, arrows), "hide reviewed", cancelling a run, and ids people quote.
 */
const ASTRONAUT = { width: 512, height: 512 }
/** Reviews reach other viewers only where the server broadcasts them on the live stream. */
const SERVER_BROADCASTS_REVIEWS = readFileSync('src/schemas/events.ts', 'utf8').includes("event('review'")

let h: Harness
let projectId: string
let imageId: string
let listId: string

const CLASSES_BY_CONFIDENCE = ['person', 'flag', 'helmet', 'cup']

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_PORT ?? 8800))
  projectId = (await h.call('POST', '/api/projects', { name: 'Review desk' }, 'user')).id
  imageId = await uploadImage(h, projectId)
  listId = await analysisWith(h, imageId, { model_name: 'detector', model_version: '3', external_job_id: 'slurm-48213' }, [
    box('person', 0.97, 140, 30, 380, 500),
    box('helmet', 0.45, 190, 40, 330, 170),
    box('flag', 0.62, 395, 370, 505, 480),
    box('cup', 0.21, 20, 20, 90, 90),
  ])
}, 240_000)

afterAll(async () => {
  await h?.stop()
})

async function open(page: Page, analysisId: string) {
  await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${analysisId}`)
  await until(() => page.getByTestId('annotation-row').count(), (n) => n > 0, 'the annotation list')
}

const rows = (page: Page) =>
  page.getByTestId('annotation-row').evaluateAll((els) =>
    els.map((el) => ({
      id: el.getAttribute('data-annotation-id')!,
      cls: el.children[1]!.textContent,
      conf: el.children[2]!.textContent,
      type: el.children[3]!.textContent,
      review: el.getAttribute('data-review-state'),
      selected: el.getAttribute('aria-selected') === 'true',
    })),
  )
const classes = async (page: Page) => (await rows(page)).map((r) => r.cls)
const selectedClass = async (page: Page) => (await rows(page)).find((r) => r.selected)?.cls ?? null

async function annotationsOnServer(analysisId: string) {
  const res = await h.call<{ annotations: { class_name: string; review_state: string }[] }>('GET', `/api/analyses/${analysisId}/annotations?limit=100`, undefined, 'user')
  return Object.fromEntries(res.annotations.map((a) => [a.class_name, a.review_state]))
}

describe('annotation list', () => {
  it('lists class, confidence, type and review state, by confidence first', async () => {
    const page = await h.open()
    await open(page, listId)
    expect(await rows(page)).toMatchObject([
      { cls: 'person', conf: '97.0%', type: 'box', review: 'unreviewed' },
      { cls: 'flag', conf: '62.0%', type: 'box' },
      { cls: 'helmet', conf: '45.0%', type: 'box' },
      { cls: 'cup', conf: '21.0%', type: 'box' },
    ])
    await page.close()
  })

  it('sorts by a column, and the other way on a second click', async () => {
    const page = await h.open()
    await open(page, listId)
    await page.getByTestId('sort-confidence').click()
    expect(await classes(page)).toEqual([...CLASSES_BY_CONFIDENCE].reverse())
    await page.getByTestId('sort-class').click()
    expect(await classes(page)).toEqual(['cup', 'flag', 'helmet', 'person'])
    await page.getByTestId('sort-class').click()
    expect(await classes(page)).toEqual(['person', 'helmet', 'flag', 'cup'])
    expect(await page.getByTestId('sort-class').getAttribute('data-sort')).toBe('descending')
    await page.close()
  })

  it('filters by text, and the canvas shows what the list shows', async () => {
    const page = await h.open()
    await open(page, listId)
    await page.getByTestId('annotation-search').fill('hel')
    await until(() => classes(page), (c) => c.length === 1, 'one row')
    expect(await classes(page)).toEqual(['helmet'])
    expect(await page.getByTestId('visible-count').textContent()).toMatch(/Showing 1 of 4/)
    await page.getByTestId('annotation-search').fill('')
    await until(() => classes(page), (c) => c.length === 4, 'every row again')
    await page.close()
  })

  it('shares the selection with the canvas both ways', async () => {
    const page = await h.open()
    await open(page, listId)
    // A click on the person box's right edge selects its row.
    await page.mouse.click(...(await imagePoint(page, ASTRONAUT, 379, 480)))
    await until(() => selectedClass(page), (c) => c === 'person', 'the person row selected')
    // A click on a row selects on the canvas: the highlight is drawn around that box.
    await page.getByTestId('annotation-row').filter({ hasText: 'cup' }).click()
    await until(() => page.getByTestId('annotation-detail').locator('strong').first().textContent(), (t) => t === 'cup', 'the cup details')
    await settle(page)
    const [x0, y0] = await imagePoint(page, ASTRONAUT, 20, 20)
    const [x1, y1] = await imagePoint(page, ASTRONAUT, 90, 90)
    const ink = await page.getByTestId('overlay-highlight').evaluate(
      (c, r) => {
        const canvas = c as HTMLCanvasElement
        const box = canvas.getBoundingClientRect()
        const k = canvas.width / box.width
        const [ax, ay, bx, by] = [(r[0]! - box.x - 6) * k, (r[1]! - box.y - 6) * k, (r[2]! - box.x + 6) * k, (r[3]! - box.y + 6) * k].map(Math.round) as [number, number, number, number]
        const data = canvas.getContext('2d')!.getImageData(ax, ay, bx - ax, by - ay).data
        let painted = 0
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++
        const total = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
        let everywhere = 0
        for (let i = 3; i < total.length; i += 4) if (total[i]! > 0) everywhere++
        return { painted, everywhere }
      },
      [x0, y0, x1, y1] as [number, number, number, number],
    )
    expect(ink.painted).toBeGreaterThan(100)
    // Nothing highlighted anywhere else.
    expect(ink.everywhere).toBe(ink.painted)
    await page.close()
  })

  it('keeps 5,000 rows smooth by rendering only those in view', async () => {
    // Each one different: the server keeps one of identical annotations.
    const many = Array.from({ length: 5000 }, (_, i) => box(`c${i % 30}`, i / 5000, (i * 7) % 480, (i * 11) % 480, ((i * 7) % 480) + 30, ((i * 11) % 480) + 30))
    const id = await analysisWith(h, imageId, { model_name: 'crowd', model_version: '1' }, many)
    const page = await h.open()
    await open(page, id)
    await until(() => page.getByTestId('annotation-list').getAttribute('data-count'), (n) => n === '5000', 'all 5,000 listed')
    expect(await page.getByTestId('annotation-row').count()).toBeLessThan(80)
    // End jumps to the last row, which is then in the DOM and selected.
    await page.getByTestId('annotation-list').focus()
    await page.keyboard.press('End')
    await until(() => selectedClass(page), (c) => c !== null, 'the last row selected')
    const last = (await rows(page)).find((r) => r.selected)!
    expect(last.conf).toBe('0.0%')
    await page.close()
  })
})

describe('review', () => {
  it('A accepts and R rejects the selected item, each moving on to the next; U takes the last decision back', async () => {
    const id = await analysisWith(h, imageId, { model_name: 'keyboard', model_version: '1' }, [
      box('person', 0.97, 140, 30, 380, 500),
      box('helmet', 0.45, 190, 40, 330, 170),
      box('flag', 0.62, 395, 370, 505, 480),
      box('cup', 0.21, 20, 20, 90, 90),
    ])
    const page = await h.open()
    await open(page, id)
    await page.getByTestId('annotation-row').filter({ hasText: 'person' }).click()
    await page.keyboard.press('a')
    await until(() => selectedClass(page), (c) => c === 'flag', 'on to flag')
    await page.keyboard.press('r')
    await until(() => selectedClass(page), (c) => c === 'helmet', 'on to helmet')
    await until(() => annotationsOnServer(id), (s) => s.person === 'accepted' && s.flag === 'rejected', 'both decisions saved')
    expect((await rows(page)).map((r) => r.review)).toEqual(['accepted', 'rejected', 'unreviewed', 'unreviewed'])

    await page.keyboard.press('u')
    await until(() => selectedClass(page), (c) => c === 'flag', 'back on flag')
    await until(() => annotationsOnServer(id), (s) => s.flag === 'unreviewed', 'the rejection taken back')
    expect(await page.getByTestId('review-counts').textContent()).toMatch(/1 accepted/)

    // The arrows step through the list in its order.
    await page.keyboard.press('ArrowDown')
    expect(await selectedClass(page)).toBe('helmet')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    expect(await selectedClass(page)).toBe('person')
    await page.close()
  })

  it('draws accepted, rejected and unreviewed boxes differently', async () => {
    const id = await analysisWith(h, imageId, { model_name: 'looks', model_version: '1' }, [
      box('thing', 0.9, 20, 200, 150, 330),
      box('thing', 0.8, 190, 200, 320, 330),
      box('thing', 0.7, 360, 200, 490, 330),
    ])
    const annotations = (await h.call<{ annotations: { id: string; confidence: number }[] }>('GET', `/api/analyses/${id}/annotations`, undefined, 'user')).annotations
    const byConfidence = new Map(annotations.map((a) => [a.confidence, a.id]))
    await h.call('PATCH', `/api/annotations/${byConfidence.get(0.9)}/review`, { state: 'accepted' }, 'user')
    await h.call('PATCH', `/api/annotations/${byConfidence.get(0.7)}/review`, { state: 'rejected' }, 'user')
    const page = await h.open()
    await open(page, id)
    await settle(page)
    // How far each box's inside is from the bare photo, and how much of its top edge is drawn.
    const look = async () => {
      const out: number[][] = []
      for (const x of [85, 255, 425]) {
        const inside = await screenPixel(page, ...(await imagePoint(page, ASTRONAUT, x, 300)))
        out.push(inside)
      }
      return out
    }
    const withOverlays = await look()
    await page.getByTestId('overlays-toggle').click()
    await settle(page)
    const bare = await look()
    const tint = withOverlays.map((px, i) => px.reduce((d, v, c) => d + Math.abs(v - bare[i]![c]!), 0))
    const [accepted, unreviewed, rejected] = tint as [number, number, number]
    // Accepted is filled more strongly than to-do; rejected has no fill at all.
    expect(accepted).toBeGreaterThan(unreviewed + 10)
    expect(unreviewed).toBeGreaterThan(rejected + 10)
    expect(rejected).toBeLessThanOrEqual(3)
    await page.close()
  })

  it('hides what is reviewed, and a decision moves the selection on as the item leaves', async () => {
    const id = await analysisWith(h, imageId, { model_name: 'hide', model_version: '1' }, [
      box('person', 0.97, 140, 30, 380, 500),
      box('flag', 0.62, 395, 370, 505, 480),
      box('cup', 0.21, 20, 20, 90, 90),
    ])
    const annotations = (await h.call<{ annotations: { id: string; class_name: string }[] }>('GET', `/api/analyses/${id}/annotations`, undefined, 'user')).annotations
    await h.call('PATCH', `/api/annotations/${annotations.find((a) => a.class_name === 'person')!.id}/review`, { state: 'accepted' }, 'user')
    const page = await h.open()
    await open(page, id)
    await page.getByTestId('hide-reviewed').check()
    await until(() => classes(page), (c) => c.join() === 'flag,cup', 'only the two to do')
    await page.getByTestId('annotation-row').filter({ hasText: 'flag' }).click()
    await page.keyboard.press('a')
    await until(() => classes(page), (c) => c.join() === 'cup', 'flag gone once decided')
    expect(await selectedClass(page)).toBe('cup')
    await page.getByTestId('hide-reviewed').uncheck()
    await until(() => classes(page), (c) => c.length === 3, 'all three again')
    await page.close()
  })

  it.skipIf(!SERVER_BROADCASTS_REVIEWS)('shows one reviewer’s decision to another viewer without a reload', async () => {
    const id = await analysisWith(h, imageId, { model_name: 'shared', model_version: '1' }, [box('person', 0.97, 140, 30, 380, 500), box('cup', 0.21, 20, 20, 90, 90)])
    const watcher = await h.open()
    await open(watcher, id)
    const reviewer = await h.open()
    await open(reviewer, id)
    await reviewer.getByTestId('annotation-row').filter({ hasText: 'cup' }).click()
    await reviewer.keyboard.press('r')
    await until(() => rows(watcher), (r) => r.find((x) => x.cls === 'cup')?.review === 'rejected', 'the rejection on the other page', 10_000)
    expect(await watcher.getByTestId('review-counts').textContent()).toMatch(/1 rejected/)
    await watcher.close()
    await reviewer.close()
  })
})

describe('runs', () => {
  it('shows each analysis’s short id and external job id', async () => {
    const page = await h.open()
    await open(page, listId)
    const item = page.locator(`[data-analysis-id="${listId}"]`)
    expect(await item.getByTestId('analysis-short-id').textContent()).toBe(`#${listId.slice(0, 8)}`)
    expect(await item.getByTestId('analysis-job-id').textContent()).toContain('slurm-48213')
    await page.close()
  })

  it('cancels a running analysis after a confirmation; a viewer of the project gets no button', async () => {
    const id = await analysisWith(h, imageId, { model_name: 'long-run', model_version: '1' }, [], 'open')
    const viewer = await memberContext(h, projectId, 'watcher@loupe.local', 'viewer')
    const theirs = await viewer.newPage()
    await theirs.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${id}`)
    await theirs.locator(`[data-analysis-id="${id}"]`).waitFor()
    await settle(theirs)
    expect(await theirs.getByTestId('cancel-run').count()).toBe(0)
    await viewer.close()

    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${id}`)
    await page.getByTestId('cancel-run').click()
    await page.getByTestId('cancel-confirm').click()
    await until(() => page.locator(`[data-analysis-id="${id}"]`).getByTestId('status-badge').textContent(), (t) => /canceled/.test(t ?? ''), 'the canceled badge')
    expect((await h.call<{ status: string }>('GET', `/api/analyses/${id}`, undefined, 'user')).status).toBe('canceled')
    expect(await page.getByTestId('cancel-run').count()).toBe(0)
    await page.close()
  })
})
