import { strFromU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import coffeeUrl from '../fixtures/images/coffee.png?inline'
import { api, bytesOfDataUrl, createAnalysis, createProject, createUser, signed, uploadArtifact, uploadImage } from './helpers'
import { parseCsv } from './support/csv'

/**
 * A pipeline may post coordinates in the frame its model saw (`image_width`/`image_height`, or an
 * RLE mask's `size`); the viewer scales them to the image, so every export must too. The photo is
 * 600 × 400; most annotations are posted at half its scale, one at 2 × 4, and two in its own frame.
 */

type Item = Record<string, unknown>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const COFFEE = bytesOfDataUrl(coffeeUrl) // 600 × 400
const [W, H] = [600, 400]
const HALF = { image_width: 300, image_height: 200 }

/** COCO's compressed RLE string from run lengths, after pycocotools' rleToString. */
function encodeRle(counts: number[]): string {
  let out = ''
  counts.forEach((count, i) => {
    let x = count - (i > 2 ? counts[i - 2]! : 0)
    for (let more = true; more; ) {
      let c = ((x % 32) + 32) % 32
      x = Math.floor(x / 32)
      more = c & 0x10 ? x !== -1 : x !== 0
      if (more) c |= 0x20
      out += String.fromCharCode(c + 48)
    }
  })
  return out
}

/** COCO's compressed RLE string back to run lengths, after pycocotools' rleFrString. */
function decodeRle(s: string): number[] {
  const counts: number[] = []
  for (let p = 0; p < s.length; ) {
    let x = 0
    let k = 0
    for (let more = true; more; k++) {
      const c = s.charCodeAt(p++) - 48
      x |= (c & 0x1f) << (5 * k)
      more = (c & 0x20) !== 0
      if (!more && c & 0x10) x |= -1 << (5 * (k + 1))
    }
    if (counts.length > 2) x += counts[counts.length - 2]!
    counts.push(x)
  }
  return counts
}

/** The mask as pixels, column-major as COCO lays it out: 1 where set. */
function pixels(runs: number[], size: [number, number]): Uint8Array {
  const out = new Uint8Array(size[0] * size[1])
  let pos = 0
  runs.forEach((len, i) => {
    if (i % 2 === 1) out.fill(1, pos, pos + len)
    pos += len
  })
  expect(pos).toBe(out.length)
  return out
}

/** Nearest neighbour on pixel centres, pixel by pixel: the definition the exporter must agree with. */
function nearest(mask: Uint8Array, from: [number, number], to: [number, number]): Uint8Array {
  const out = new Uint8Array(to[0] * to[1])
  for (let c = 0; c < to[1]; c++) {
    const sc = Math.floor(((c + 0.5) * from[1]) / to[1])
    for (let r = 0; r < to[0]; r++) out[c * to[0] + r] = mask[sc * from[0] + Math.floor(((r + 0.5) * from[0]) / to[0])]!
  }
  return out
}

// A 4 × 4 mask with rows 1–2 of columns 1–2 set: on the photo, rows 100–299 of columns 150–449.
const SMALL_SQUARE = [5, 2, 2, 2, 5]

const POSTED: Item[] = [
  { annotation_type: 'bounding_box', class_name: 'car', confidence: 0.9, data: { x_min: 200, y_min: 50, x_max: 300, y_max: 100, ...HALF } },
  { annotation_type: 'bounding_box', class_name: 'car', confidence: 0.8, data: { left: 10, top: 10, right: 60, bottom: 30, image_width: 300, image_height: 100 } },
  { annotation_type: 'polygon', class_name: 'roof', confidence: 0.7, data: { points: [[10, 10], [110, 10], { x: 110, y: 60 }, [10, 60]], ...HALF } },
  { annotation_type: 'keypoint', class_name: 'person', confidence: 0.6, data: { keypoints: [{ name: 'nose', x: 150, y: 100 }, { name: 'eye', x: 140, y: 90 }], ...HALF } },
  { annotation_type: 'segmentation', class_name: 'blob', confidence: 0.5, data: { format: 'rle', counts: [0, 2, 4], size: [2, 3] } },
  { annotation_type: 'segmentation', class_name: 'blob', confidence: 0.4, data: { format: 'rle', counts: encodeRle(SMALL_SQUARE), size: [4, 4], bbox: [1, 1, 2, 2], area: 4 } },
  { annotation_type: 'bounding_box', class_name: 'car', confidence: 0.3, data: { x_min: 1, y_min: 2, x_max: 3, y_max: 4, image_width: W, image_height: H } },
  { annotation_type: 'bounding_box', class_name: 'car', confidence: 0.2, data: { x_min: 5, y_min: 6, x_max: 7, y_max: 8 } },
  { annotation_type: 'classification', class_name: 'kitchen', confidence: 0.99, data: { score: 0.99 } },
]

/** What the viewer draws, in the photo's pixels, for each of POSTED's geometries. */
const ON_IMAGE = {
  box: [400, 100, 200, 100],
  ltrb: [20, 40, 100, 80],
  polygon: [20, 20, 220, 20, 220, 120, 20, 120],
  keypoints: [300, 200, 2, 280, 180, 2],
  column: { runs: [0, 80_000, 160_000], bbox: [0, 0, 200, 400], area: 80_000 },
  square: { bbox: [150, 100, 300, 200], area: 60_000 },
}

async function fixture() {
  const owner = await createUser('owner')
  const project = await createProject(owner, 'Frames')
  const image = await uploadImage(owner, project.id, COFFEE, 'coffee.png')
  expect([image.width, image.height]).toEqual([W, H])
  const analysis = await createAnalysis(owner, image.id, { model_name: 'half_scale' })
  const heatmap = await uploadArtifact(analysis.id, 'heat.png')
  const items = [...POSTED, { annotation_type: 'heatmap', data: { width: 64, height: 32 }, storage_path: heatmap }]
  const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations: items })
  expect(bulk.status, await bulk.clone().text()).toBe(200)
  expect((await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })).status).toBe(200)
  return { owner, project, analysis, items }
}
let once: ReturnType<typeof fixture> | undefined
const setup = () => (once ??= fixture())

const exportOf = async (query: string) => {
  const { owner, analysis } = await setup()
  const res = await api(`/api/analyses/${analysis.id}/export${query}`, { token: owner.token })
  expect(res.status).toBe(200)
  return res
}
const zipOf = async (res: Response) => unzipSync(new Uint8Array(await res.arrayBuffer()))

/** Takes an exported annotation back to the frame it was posted in, by its `rescaled_from`. */
function backToPostedFrame(a: Json): Json {
  const from = a.rescaled_from
  if (!from) return a.data
  const data = { ...a.data }
  if (a.annotation_type === 'segmentation') {
    const size: [number, number] = [from.height, from.width]
    const runs = typeof data.counts === 'string' ? decodeRle(data.counts) : data.counts
    return { ...data, size, mask: nearest(pixels(runs, data.size), data.size, size) }
  }
  const sx = from.width / W
  const sy = from.height / H
  for (const [k, s] of [['x_min', sx], ['x_max', sx], ['left', sx], ['right', sx], ['y_min', sy], ['y_max', sy], ['top', sy], ['bottom', sy]] as const) {
    if (typeof data[k] === 'number') data[k] *= s
  }
  if (data.points) data.points = data.points.map((p: Json) => (Array.isArray(p) ? [p[0] * sx, p[1] * sy] : { ...p, x: p.x * sx, y: p.y * sy }))
  if (data.keypoints) data.keypoints = data.keypoints.map((k: Json) => ({ ...k, x: k.x * sx, y: k.y * sy }))
  return { ...data, image_width: from.width, image_height: from.height }
}

function expectInImagePixels(annotations: Json[]) {
  const [box, ltrb, polygon, keypoint, column, square, own, bare, cls, heat] = annotations as Json[]
  expect(box!.data).toEqual({ x_min: 400, y_min: 100, x_max: 600, y_max: 200, image_width: W, image_height: H })
  expect(box!.rescaled_from).toEqual({ width: 300, height: 200 })
  expect(ltrb!.data).toEqual({ left: 20, top: 40, right: 120, bottom: 120, image_width: W, image_height: H })
  expect(ltrb!.rescaled_from).toEqual({ width: 300, height: 100 })
  expect(polygon!.data.points).toEqual([[20, 20], [220, 20], { x: 220, y: 120 }, [20, 120]])
  expect(keypoint!.data.keypoints).toEqual([{ name: 'nose', x: 300, y: 200 }, { name: 'eye', x: 280, y: 180 }])
  expect(column!.data).toMatchObject({ size: [H, W], counts: ON_IMAGE.column.runs, bbox: ON_IMAGE.column.bbox, area: ON_IMAGE.column.area })
  expect(column!.rescaled_from).toEqual({ width: 3, height: 2 })
  expect(typeof square!.data.counts).toBe('string')
  expect(square!.data).toMatchObject({ size: [H, W], ...ON_IMAGE.square })
  expect(pixels(decodeRle(square!.data.counts), [H, W])).toEqual(nearest(pixels(SMALL_SQUARE, [4, 4]), [4, 4], [H, W]))
  // Already in the photo's frame, or with no frame at all: nothing moves and nothing is noted.
  for (const [a, posted] of [[own, POSTED[6]], [bare, POSTED[7]], [cls, POSTED[8]]] as const) {
    expect(a!.data).toEqual(posted!.data)
    expect(a).not.toHaveProperty('rescaled_from')
  }
  // A heatmap's width and height are its artifact's pixels, stretched over the photo: left alone.
  expect(heat!.data).toEqual({ width: 64, height: 32 })
  expect(heat).not.toHaveProperty('rescaled_from')
}

describe('exports carry coordinates in the image’s own pixels', () => {
  it('JSON: every geometry type is scaled from its declared frame, which is kept under rescaled_from', async () => {
    const doc = await (await exportOf('?format=json')).json<Json>()
    expectInImagePixels(doc.annotations)
  })

  it('JSON: each type round-trips back to what was posted through rescaled_from', async () => {
    const doc = await (await exportOf('?format=json')).json<Json>()
    const { items } = await setup()
    doc.annotations.forEach((a: Json, i: number) => {
      const posted = items[i]!.data as Json
      const back = backToPostedFrame(a)
      if (a.annotation_type !== 'segmentation') return expect(back, a.annotation_type).toEqual(posted)
      const runs = typeof posted.counts === 'string' ? decodeRle(posted.counts) : posted.counts
      expect(back.size).toEqual(posted.size)
      expect(back.mask).toEqual(pixels(runs, posted.size))
    })
  })

  it('CSV: box columns and the data column are in the photo’s pixels', async () => {
    const [header, ...rows] = parseCsv(await (await exportOf('?format=csv')).text())
    const byColumn = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])))
    expect(byColumn[0]).toMatchObject({ x_min: '400', y_min: '100', x_max: '600', y_max: '200' })
    expect(JSON.parse(byColumn[0]!.data!)).toEqual({ image_width: W, image_height: H })
    expect(byColumn[1]).toMatchObject({ x_min: '20', y_min: '40', x_max: '120', y_max: '120' })
    expect(JSON.parse(byColumn[2]!.data!).points).toEqual([[20, 20], [220, 20], { x: 220, y: 120 }, [20, 120]])
    expect(JSON.parse(byColumn[3]!.data!).keypoints).toEqual([{ name: 'nose', x: 300, y: 200 }, { name: 'eye', x: 280, y: 180 }])
    expect(JSON.parse(byColumn[4]!.data!)).toMatchObject({ size: [H, W], counts: ON_IMAGE.column.runs })
    expect(byColumn[6]).toMatchObject({ x_min: '1', y_min: '2', x_max: '3', y_max: '4' })
  })

  it('COCO: a box posted at half the scale is [400,100,200,100], and every type is in the photo’s pixels', async () => {
    const doc = await (await exportOf('?format=coco')).json<Json>()
    expect(doc.images[0]).toMatchObject({ width: W, height: H })
    const [box, ltrb, polygon, keypoint, column, square, own, bare] = doc.annotations as Json[]
    expect(box!.bbox).toEqual(ON_IMAGE.box)
    expect(box!.area).toBe(20_000)
    expect(box!.loupe.rescaled_from).toEqual({ width: 300, height: 200 })
    expect(ltrb!.bbox).toEqual(ON_IMAGE.ltrb)
    expect(polygon!.segmentation).toEqual([ON_IMAGE.polygon])
    expect(polygon!.bbox).toEqual([20, 20, 200, 100])
    expect(polygon!.area).toBe(20_000)
    expect(keypoint!.keypoints).toEqual(ON_IMAGE.keypoints)
    expect(keypoint!.bbox).toEqual([280, 180, 20, 20])
    // COCO tools compare masks pixel for pixel with the image: the size must be the image's.
    expect(column!.segmentation.size).toEqual([H, W])
    expect(decodeRle(column!.segmentation.counts)).toEqual(ON_IMAGE.column.runs)
    expect(column).toMatchObject({ bbox: ON_IMAGE.column.bbox, area: ON_IMAGE.column.area })
    expect(square!.segmentation.size).toEqual([H, W])
    expect(square).toMatchObject(ON_IMAGE.square)
    expect(own!.bbox).toEqual([1, 2, 2, 2])
    expect(own!.loupe).not.toHaveProperty('rescaled_from')
    expect(bare!.bbox).toEqual([5, 6, 2, 2])
  })

  it('COCO results: the same boxes, masks and keypoints as the dataset form', async () => {
    const results = await (await exportOf('?format=coco&variant=results')).json<Json[]>()
    expect(results[0]!.bbox).toEqual(ON_IMAGE.box)
    expect(results[1]!.bbox).toEqual(ON_IMAGE.ltrb)
    expect(results[3]!.keypoints).toEqual(ON_IMAGE.keypoints)
    expect(results[4]!.segmentation.size).toEqual([H, W])
    expect(decodeRle(results[4]!.segmentation.counts)).toEqual(ON_IMAGE.column.runs)
  })

  it('YOLO: boxes are normalized after they are taken to the photo’s pixels', async () => {
    const zip = await zipOf(await exportOf('?format=yolo'))
    const lines = strFromU8(zip['labels/coffee.txt']!).trimEnd().split('\n')
    const line = (x: number, y: number, w: number, h: number) => `0 ${[(x + w / 2) / W, (y + h / 2) / H, w / W, h / H].map((n) => n.toFixed(6)).join(' ')}`
    expect(lines).toEqual([line(400, 100, 200, 100), line(20, 40, 100, 80), line(1, 2, 2, 2), line(5, 6, 2, 2)])
  })

  it('bundle: annotations.jsonl holds the annotations as the JSON export does', async () => {
    const { owner, analysis } = await setup()
    const zip = await zipOf(await api(`/api/analyses/${analysis.id}/bundle`, { token: owner.token }))
    const lines = strFromU8(zip['annotations.jsonl']!).trimEnd().split('\n').map((l) => JSON.parse(l))
    expectInImagePixels(lines)
  })

  it('project datasets: COCO and YOLO zips carry the same image-pixel geometry', async () => {
    const { owner, project } = await setup()
    const coco = await zipOf(await api(`/api/projects/${project.id}/export?format=coco`, { token: owner.token }))
    const doc = JSON.parse(strFromU8(coco['annotations.json']!))
    expect(doc.annotations[0].bbox).toEqual(ON_IMAGE.box)
    expect(doc.annotations[2].segmentation).toEqual([ON_IMAGE.polygon])
    expect(doc.annotations[4].segmentation.size).toEqual([H, W])
    const yolo = await zipOf(await api(`/api/projects/${project.id}/export?format=yolo`, { token: owner.token }))
    const first = strFromU8(yolo['labels/coffee.txt']!).split('\n')[0]
    expect(first).toBe(`0 ${[500 / W, 150 / H, 200 / W, 100 / H].map((n) => n.toFixed(6)).join(' ')}`)
  })
})
