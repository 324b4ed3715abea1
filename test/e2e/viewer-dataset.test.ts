import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, box, startHarness, until, uploadImage, type Harness } from './viewer-harness'

/**
 * The dataset view: a project's images as one virtualised grid with boxes drawn on each, filters
 * with counts, sort and search kept in the URL, and previous/next on the image page in the grid's
 * order, keeping the model the grid drew.
 */
let h: Harness
let projectId: string
let bigProjectId: string
const ids: Record<string, string> = {}
const MANY = Number(process.env.DATASET_IMAGES ?? 10_000)

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_PORT ?? 8800))
  projectId = (await h.call('POST', '/api/projects', { name: 'Street scenes' }, 'user')).id
  // Uploaded one after another, so "newest" puts coffee first.
  for (const f of ['astronaut.png', 'chelsea.png', 'coffee.png']) ids[f] = await uploadImage(h, projectId, f)
  await analysisWith(h, ids['astronaut.png']!, { model_name: 'detector', model_version: '1' }, [box('person', 0.9, 100, 50, 300, 400), box('flag', 0.3, 20, 20, 60, 60)])
  await analysisWith(h, ids['astronaut.png']!, { model_name: 'segmenter', model_version: '2' }, [box('person', 0.8, 90, 40, 310, 410)])
  await analysisWith(h, ids['chelsea.png']!, { model_name: 'detector', model_version: '1' }, [box('cat', 0.95, 10, 10, 200, 200)], 'failed')

  // Many images registered without bytes (an upload intent each): enough to prove the grid renders
  // only what is in view.
  bigProjectId = (await h.call('POST', '/api/projects', { name: 'Large' }, 'user')).id
  let next = 0
  const worker = async () => {
    while (next < MANY) {
      const i = next++
      await h.call('POST', `/api/projects/${bigProjectId}/images/uploads`, { filename: `frame-${String(i).padStart(5, '0')}.png`, content_type: 'image/png' }, 'user')
    }
  }
  await Promise.all(Array.from({ length: 12 }, worker))
}, 900_000)

afterAll(async () => {
  await h?.stop()
})

const cellNames = (page: import('playwright-core').Page) => page.getByTestId('dataset-cell').evaluateAll((els) => els.map((e) => e.getAttribute('data-filename')))

describe('dataset view', () => {
  it('is linked from the project page and draws each image’s boxes on its thumbnail', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}`)
    await page.getByTestId('dataset-link').click()
    await page.waitForURL(/\/dataset/)
    const astronaut = page.locator(`[data-testid="dataset-cell"][data-filename="astronaut.png"]`)
    await until(() => astronaut.getAttribute('data-boxes'), (v) => v === '2', 'astronaut boxes drawn')
    const ink = await astronaut.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
      let n = 0
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++
      return n
    })
    expect(ink).toBeGreaterThan(100)
    expect(await cellNames(page)).toEqual(['coffee.png', 'chelsea.png', 'astronaut.png'])
  })

  it('filters by analysis status with a count on each choice, and searches file names', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/dataset`)
    await page.getByTestId('dataset-cell').first().waitFor()
    const count = (f: string) => page.getByTestId(`facet-count-${f}`).innerText()
    expect([await count('any'), await count('none'), await count('completed'), await count('failed')]).toEqual(['3', '1', '1', '1'])
    await page.locator('[data-facet="failed"]').click()
    await until(() => cellNames(page), (n) => n.length === 1 && n[0] === 'chelsea.png', 'failed only')
    await page.locator('[data-facet="any"]').click()
    await page.getByTestId('dataset-search').fill('co')
    await until(() => cellNames(page), (n) => n.join() === 'coffee.png', 'search')
    expect(await count('any')).toBe('1')
    expect(page.url()).toContain('q=co')
  })

  it('sorts by name and draws the model picked, hiding boxes under the confidence floor', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/dataset?sort=name`)
    await until(() => cellNames(page), (n) => n.join() === 'astronaut.png,chelsea.png,coffee.png', 'sorted by name')
    const astronaut = page.locator(`[data-testid="dataset-cell"][data-filename="astronaut.png"]`)
    await until(() => astronaut.getAttribute('data-boxes'), (v) => v === '2', 'default model')
    await until(() => page.getByTestId('dataset-model').locator('option').allInnerTexts(), (o) => o.includes('segmenter'), 'models listed')
    await page.getByTestId('dataset-model').selectOption('segmenter')
    await until(() => astronaut.getAttribute('data-boxes'), (v) => v === '1', 'segmenter drawn')
    await page.getByTestId('dataset-model').selectOption('detector')
    await until(() => astronaut.getAttribute('data-boxes'), (v) => v === '2', 'detector drawn')
    await page.getByTestId('dataset-min-confidence').evaluate((el: HTMLInputElement) => {
      el.value = '0.5'
      el.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await until(() => astronaut.getAttribute('data-boxes'), (v) => v === '1', 'low-confidence box hidden')
  })

  it('steps previous and next on the image page in the grid’s order, keeping the model, and goes back to the grid', async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${projectId}/dataset?sort=name&model=segmenter`)
    await until(() => cellNames(page), (n) => n.length === 3, 'grid')
    await page.locator(`[data-testid="dataset-cell"][data-filename="astronaut.png"]`).click()
    await page.waitForURL(new RegExp(`/images/${ids['astronaut.png']}\\?model=segmenter`))
    await page.getByTestId('dataset-position').filter({ hasText: '1 / 3' }).waitFor()
    await page.locator('[data-testid="analysis-item"][aria-pressed="true"]', { hasText: 'segmenter' }).waitFor()
    await page.keyboard.press(']')
    await page.waitForURL(new RegExp(`/images/${ids['chelsea.png']}\\?model=segmenter`))
    await page.getByTestId('dataset-position').filter({ hasText: '2 / 3' }).waitFor()
    await page.getByTestId('dataset-next').click()
    await page.waitForURL(new RegExp(`/images/${ids['coffee.png']}`))
    await page.getByTestId('dataset-previous').click()
    await page.waitForURL(new RegExp(`/images/${ids['chelsea.png']}`))
    await page.getByTestId('dataset-back').click()
    await page.waitForURL(/\/dataset\?sort=name&model=segmenter/)
  })

  it(`keeps ${MANY.toLocaleString('en-US')} images to the cells in view, down to the last`, async () => {
    const page = await h.open()
    await page.goto(`${h.server.baseUrl}/projects/${bigProjectId}/dataset?sort=name`)
    await until(() => page.getByTestId('dataset-shown').innerText(), (t) => t.startsWith(`${MANY.toLocaleString('en-US')} of`), 'all listed', 120_000)
    const inDom = await page.getByTestId('dataset-cell').count()
    expect(inDom).toBeGreaterThan(0)
    expect(inDom).toBeLessThan(120)
    await page.getByTestId('dataset-grid').evaluate((el) => (el.scrollTop = el.scrollHeight))
    const last = `frame-${String(MANY - 1).padStart(5, '0')}.png`
    await page.locator(`[data-testid="dataset-cell"][data-filename="${last}"]`).waitFor()
    expect(await page.getByTestId('dataset-cell').count()).toBeLessThan(120)
  })
})
