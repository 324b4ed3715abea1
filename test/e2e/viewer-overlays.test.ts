import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysisWith, box, imagePoint, makePng, screenPixel, setRange, settle, startHarness, until, uploadArtifact, uploadImage, type Harness } from './viewer-harness'

/**
 * The overlay in Chromium: class colours for long class lists, class search, labels on every kind
 * of shape, clicking masks and heatmaps, separate opacities, and defaults that keep the photo
 * visible under a mask and a heatmap. Pixels are read from the screen, as a person sees them.
 */
const ASTRONAUT = { width: 512, height: 512 }
let h: Harness
let imageId: string
let shapesId: string
let rastersId: string

/** A rectangle as an uncompressed COCO RLE (column-major runs, starting with zeros). */
function rectRle(w: number, hgt: number, x0: number, y0: number, x1: number, y1: number) {
  const counts: number[] = []
  let run = 0
  let on = false
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < hgt; y++) {
      const v = x >= x0 && x < x1 && y >= y0 && y < y1
      if (v === on) run++
      else {
        counts.push(run)
        run = 1
        on = v
      }
    }
  }
  counts.push(run)
  return { format: 'rle', size: [hgt, w], counts, bbox: [x0, y0, x1 - x0, y1 - y0], area: (x1 - x0) * (y1 - y0) }
}

const JOINTS = [
  { name: 'left_shoulder', x: 310, y: 215, confidence: 0.93 },
  { name: 'right_shoulder', x: 200, y: 215, confidence: 0.88 },
  { name: 'left_hip', x: 300, y: 420, confidence: 0.61 },
  { name: 'right_hip', x: 215, y: 420, confidence: 0.57 },
]

beforeAll(async () => {
  h = await startHarness(Number(process.env.E2E_PORT ?? 8800))
  const projectId = (await h.call('POST', '/api/projects', { name: 'Overlays' }, 'user')).id
  imageId = await uploadImage(h, projectId)
  shapesId = await analysisWith(h, imageId, { model_name: 'shapes', model_version: '1' }, [
    { annotation_type: 'polygon', class_name: 'flag', confidence: 0.71, data: { points: [[30, 160], [120, 150], [125, 240], [35, 245]] } },
    { annotation_type: 'segmentation', class_name: 'patch', confidence: 0.66, data: rectRle(512, 512, 330, 300, 450, 380) },
    { annotation_type: 'keypoint', class_name: 'pose', confidence: 0.9, data: { keypoints: JOINTS, skeleton: [[0, 1], [0, 2], [1, 3], [2, 3]] } },
  ])

  // A person mask over the subject and a heatmap over the same place, as a segmenter sends them.
  const { id } = await h.call('POST', `/api/images/${imageId}/analyses`, { model_name: 'segmenter', model_version: '2' }, 'user')
  rastersId = id
  await h.call('PATCH', `/api/analyses/${id}/status`, { status: 'processing' }, 'hmac')
  const mask = makePng(128, 128, 1, (x, y) => [x >= 40 && x < 96 && y >= 10 && y < 120 ? 255 : 0])
  const heat = makePng(128, 128, 1, (x, y) => [x >= 40 && x < 96 && y >= 10 && y < 120 ? 230 : 0])
  const maskPath = await uploadArtifact(h, id, 'mask', 'person-mask.png', mask)
  const heatPath = await uploadArtifact(h, id, 'heatmap', 'person-heat.png', heat)
  await h.call(
    'POST',
    `/api/analyses/${id}/annotations:bulk`,
    {
      annotations: [
        { annotation_type: 'mask', class_name: 'person', confidence: 0.95, data: { width: 128, height: 128 }, storage_path: maskPath },
        { annotation_type: 'heatmap', class_name: 'saliency', data: { width: 128, height: 128, color_map: 'inferno' }, storage_path: heatPath },
      ],
    },
    'hmac',
  )
  await h.call('POST', `/api/analyses/${id}/finalize`, { status: 'completed' }, 'hmac')
}, 240_000)

afterAll(async () => {
  await h?.stop()
})

async function open(page: Page, analysisId: string) {
  await page.goto(`${h.server.baseUrl}/images/${imageId}?analysis=${analysisId}`)
  await until(() => page.getByTestId('visible-count').count(), (n) => n === 1, 'the overlay controls')
  await settle(page)
}

const rgb = (css: string) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number)
const distance = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!)

/** The screen at natural points, with the overlays on and then off (H). */
async function withAndWithout(page: Page, points: [number, number][]) {
  const at = async () => Promise.all(points.map(async ([x, y]) => screenPixel(page, ...(await imagePoint(page, ASTRONAUT, x, y)))))
  const on = await at()
  await page.keyboard.press('h')
  await settle(page)
  const off = await at()
  await page.keyboard.press('h')
  await settle(page)
  return { on, off }
}

describe('class colours and lists', () => {
  it('gives 50 classes 50 different colours', async () => {
    const boxes = Array.from({ length: 50 }, (_, i) => box(`species_${String(i).padStart(2, '0')}`, 0.5 + i / 200, (i % 10) * 50, Math.floor(i / 10) * 100, (i % 10) * 50 + 40, Math.floor(i / 10) * 100 + 80))
    const id = await analysisWith(h, imageId, { model_name: 'fifty', model_version: '1' }, boxes)
    const page = await h.open()
    await open(page, id)
    const colours = await page.getByTestId('class-chip').evaluateAll((els) => els.map((el) => getComputedStyle(el.querySelector('span')!).backgroundColor))
    expect(colours).toHaveLength(50)
    expect(new Set(colours).size).toBe(50)
    await page.close()
  })

  it('finds classes by name and hides or shows all of them at once', async () => {
    const boxes = Array.from({ length: 50 }, (_, i) => box(`species_${String(i).padStart(2, '0')}`, 0.5 + i / 200, (i % 10) * 50, Math.floor(i / 10) * 100, (i % 10) * 50 + 40, Math.floor(i / 10) * 100 + 80))
    const id = await analysisWith(h, imageId, { model_name: 'search', model_version: '1' }, boxes)
    const page = await h.open()
    await open(page, id)
    await page.getByTestId('class-search').fill('species_4')
    expect(await page.getByTestId('class-chip').count()).toBe(10)
    await page.getByTestId('classes-hide-all').click()
    await until(() => page.getByTestId('visible-count').textContent(), (t) => /Showing 40 of 50/.test(t ?? ''), '40 shown')
    await page.getByTestId('class-search').fill('')
    await page.getByTestId('classes-hide-all').click()
    await until(() => page.getByTestId('visible-count').textContent(), (t) => /Showing 0 of 50/.test(t ?? ''), 'none shown')
    await page.getByTestId('classes-show-all').click()
    await until(() => page.getByTestId('visible-count').textContent(), (t) => /Showing 50 of 50/.test(t ?? ''), 'all shown')
    await page.close()
  })
})

describe('labels and selection', () => {
  it('labels polygons, masks and keypoints in their class colour', async () => {
    const page = await h.open()
    await open(page, shapesId)
    const colour = async (cls: string) => rgb(await page.locator(`[data-testid="class-chip"][data-class="${cls}"] span`).first().evaluate((el) => getComputedStyle(el).backgroundColor))
    // Just inside each label: above the polygon's, the mask's and the pose's top-left corner.
    const spots: [string, [number, number]][] = [
      ['flag', [31, 143]],
      ['patch', [331, 293]],
      ['pose', [201, 208]],
    ]
    const { on, off } = await withAndWithout(page, spots.map(([, p]) => p))
    for (const [i, [cls]] of spots.entries()) {
      const c = await colour(cls)
      expect(distance(on[i]!, c), `${cls} label ${on[i]} vs ${c}`).toBeLessThan(40)
      expect(distance(off[i]!, c), `${cls} photo ${off[i]}`).toBeGreaterThan(40)
    }
    await page.close()
  })

  it('names a selected pose’s joints with their confidences', async () => {
    const page = await h.open()
    await open(page, shapesId)
    await page.getByTestId('annotation-row').filter({ hasText: 'pose' }).click()
    await settle(page)
    const [jx, jy] = await imagePoint(page, ASTRONAUT, JOINTS[0]!.x, JOINTS[0]!.y)
    // A dark tag with white text to the right of the joint.
    const tag = await page.getByTestId('overlay-highlight').evaluate(
      (c, [x, y]) => {
        const canvas = c as HTMLCanvasElement
        const r = canvas.getBoundingClientRect()
        const k = canvas.width / r.width
        const data = canvas.getContext('2d')!.getImageData(Math.round((x! - r.x + 8) * k), Math.round((y! - r.y - 6) * k), Math.round(90 * k), Math.round(12 * k)).data
        let dark = 0
        let light = 0
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! === 0) continue
          if (data[i]! > 200) light++
          else if (data[i]! < 40) dark++
        }
        return { dark, light }
      },
      [jx, jy],
    )
    expect(tag.dark).toBeGreaterThan(200)
    expect(tag.light).toBeGreaterThan(20)
    await page.close()
  })

  it('selects a mask, or a heatmap where it is strong, by clicking on it', async () => {
    const page = await h.open()
    await open(page, shapesId)
    await page.mouse.click(...(await imagePoint(page, ASTRONAUT, 400, 340)))
    await until(() => page.getByTestId('annotation-detail').getAttribute('data-annotation-id'), (v) => v !== null, 'details open')
    expect(await page.getByTestId('annotation-detail').locator('strong').first().textContent()).toBe('patch')

    await open(page, rastersId)
    await until(() => page.getByTestId('heatmap-legend').count(), (n) => n === 1, 'heatmap loaded')
    // Outside the mask and the heatmap: nothing.
    await page.mouse.click(...(await imagePoint(page, ASTRONAUT, 40, 460)))
    await settle(page)
    expect(await page.getByTestId('annotation-detail').count()).toBe(0)
    // Inside both: the mask wins, as the smaller shape; its pixels answer, not a bounding box.
    await page.mouse.click(...(await imagePoint(page, ASTRONAUT, 250, 250)))
    await until(() => page.getByTestId('annotation-detail').locator('strong').first().textContent(), (t) => t === 'person', 'the mask selected')
    await page.getByTestId('type-toggle-mask').uncheck()
    await page.mouse.move(...(await imagePoint(page, ASTRONAUT, 250, 250)))
    await until(() => page.getByTestId('tooltip-value').textContent(), (t) => /value 0\.9/.test(t ?? ''), 'the heatmap value under the pointer')
    await page.mouse.click(...(await imagePoint(page, ASTRONAUT, 250, 250)))
    await until(() => page.getByTestId('annotation-detail').locator('strong').first().textContent(), (t) => t === 'saliency', 'the heatmap selected')
    await page.close()
  })
})

describe('opacity', () => {
  const MASK_ONLY: [number, number] = [250, 250]
  it('fades masks and heatmaps each with its own slider', async () => {
    const page = await h.open()
    await open(page, rastersId)
    await until(() => page.getByTestId('heatmap-legend').count(), (n) => n === 1, 'heatmap loaded')
    await page.getByTestId('type-toggle-heatmap').uncheck()
    await settle(page)
    const p = await imagePoint(page, ASTRONAUT, ...MASK_ONLY)
    const masked = await screenPixel(page, ...p)
    await setRange(page, 'opacity-heatmaps', 0)
    await settle(page)
    expect(distance(await screenPixel(page, ...p), masked)).toBeLessThanOrEqual(3)
    await setRange(page, 'opacity-masks', 0)
    await settle(page)
    const bare = await screenPixel(page, ...p)
    expect(distance(bare, masked)).toBeGreaterThan(15)

    await page.getByTestId('type-toggle-heatmap').check()
    await setRange(page, 'opacity-heatmaps', 60)
    await settle(page)
    const heated = await screenPixel(page, ...p)
    expect(distance(heated, bare)).toBeGreaterThan(15)
    await setRange(page, 'opacity-masks', 100)
    await settle(page)
    expect(distance(await screenPixel(page, ...p), heated)).toBeGreaterThan(10)
    await page.close()
  })

  it('keeps the subject visible under a mask and a heatmap by default', async () => {
    const page = await h.open()
    await open(page, rastersId)
    await until(() => page.getByTestId('heatmap-legend').count(), (n) => n === 1, 'heatmap loaded')
    await settle(page)
    // Across the face and the suit, inside both rasters: the photo's own contrast must survive.
    const line: [number, number][] = Array.from({ length: 24 }, (_, i) => [170 + i * 7, 120 + (i % 2) * 150])
    const { on, off } = await withAndWithout(page, line)
    const luma = (p: number[]) => 0.299 * p[0]! + 0.587 * p[1]! + 0.114 * p[2]!
    const spread = (xs: number[][]) => {
      const l = xs.map(luma)
      const mean = l.reduce((a, b) => a + b, 0) / l.length
      return Math.sqrt(l.reduce((a, b) => a + (b - mean) ** 2, 0) / l.length)
    }
    expect(spread(on) / spread(off)).toBeGreaterThan(0.45)
    await page.close()
  })
})
