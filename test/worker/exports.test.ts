import { env } from 'cloudflare:workers'
import { strFromU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import chelseaUrl from '../fixtures/images/chelsea.png?inline'
import coffeeUrl from '../fixtures/images/coffee.png?inline'
import {
  addMember,
  api,
  bytesOfDataUrl,
  createAnalysis,
  createProject,
  createUser,
  fetchWithEnv,
  request,
  sha256Of,
  signed,
  uploadArtifact,
  uploadImage,
  type TestUser,
} from './helpers'

type Item = Record<string, unknown>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const CHELSEA = bytesOfDataUrl(chelseaUrl) // 451 × 300
const COFFEE = bytesOfDataUrl(coffeeUrl) // 600 × 400
const TRICKY_CLASS = 'car, "fast"\nred'
const HEATMAP_BYTES = new TextEncoder().encode('pretend PNG bytes: the bundle must carry them unchanged')
const LOG_BYTES = new TextEncoder().encode('line 1\nline 2\n'.repeat(50))

const post = async (analysisId: string, annotations: Item[]) => {
  const res = await signed('POST', `/api/analyses/${analysisId}/annotations:bulk`, { annotations })
  if (res.status !== 200 && res.status !== 201) throw new Error(`bulk: ${res.status} ${await res.text()}`)
  return (await res.json<{ annotations: { id: string }[] }>()).annotations
}

async function finalize(analysisId: string) {
  const res = await signed('POST', `/api/analyses/${analysisId}/finalize`, { status: 'completed' })
  if (res.status !== 200) throw new Error(`finalize: ${res.status} ${await res.text()}`)
}

const review = (owner: TestUser, annotationId: string, state: string, note?: string) =>
  api(`/api/annotations/${annotationId}/review`, { method: 'PATCH', token: owner.token, json: { state, note } })

/** Every annotation type the exporters treat differently, on a 451 × 300 photo. */
function richAnnotations(heatmapPath: string): Item[] {
  return [
    { annotation_type: 'bounding_box', class_name: 'person', confidence: 0.9, ordering: 0, data: { x_min: 45.1, y_min: 30, x_max: 135.3, y_max: 90, image_width: 451, image_height: 300 } },
    { annotation_type: 'bounding_box', class_name: TRICKY_CLASS, confidence: 0.5, ordering: 1, data: { left: 10, top: 20, right: 110, bottom: 220, note: 'ltrb' } },
    { annotation_type: 'polygon', class_name: 'roof', confidence: 0.8, data: { points: [[10, 10], [110, 10], { x: 110, y: 60 }, [10, 60]] } },
    { annotation_type: 'segmentation', class_name: 'blob', confidence: 0.7, data: { format: 'rle', counts: [37, 100, 3, 250, 40, 170, 134_700], size: [300, 451], bbox: [0, 0, 2, 300], area: 520 } },
    { annotation_type: 'segmentation', class_name: 'blob', confidence: 0.6, data: { format: 'rle', counts: '37jST4', size: [300, 451], bbox: [0, 3, 1, 7], area: 7 } },
    {
      annotation_type: 'keypoint',
      class_name: 'person',
      confidence: 0.88,
      data: {
        keypoints: [
          { name: 'nose', x: 150, y: 100, confidence: 0.95 },
          { name: 'left_eye', x: 140, y: 95, confidence: 0.3 },
          { name: 'right_eye', x: 160, y: 95 },
        ],
        skeleton: [[0, 1], [0, 2]],
      },
    },
    {
      annotation_type: 'keypoint',
      class_name: 'person',
      confidence: 0.7,
      data: { keypoints: [{ name: 'left_eye', x: 240, y: 195, visible: false }, { name: 'nose', x: 250, y: 200 }, { name: 'tail', x: 300, y: 250 }] },
    },
    { annotation_type: 'classification', class_name: 'cat', confidence: 0.99, data: { score: 0.99 } },
    { annotation_type: 'heatmap', data: { width: 451, height: 300 }, storage_path: heatmapPath },
  ]
}

/** An analysis with one of everything, two artifacts, a review, finalized. */
async function richAnalysis(modelName = 'yolo_v8') {
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id, CHELSEA, 'chelsea.png')
  const analysis = await createAnalysis(owner, image.id, {
    model_name: modelName,
    model_version: '8.1.0',
    parameters: { confidence_threshold: 0.25 },
    provenance: { git_commit: 'abc123', docker_image: 'org/yolo:8.1', training_dataset: 'coco2017' },
  })
  const heatmap = await uploadArtifact(analysis.id, 'heatmap.png', HEATMAP_BYTES)
  await uploadArtifact(analysis.id, 'run.log', LOG_BYTES, 'log')
  const stored = await post(analysis.id, richAnnotations(heatmap))
  expect((await review(owner, stored[0]!.id, 'accepted', 'checked, "good"')).status).toBe(200)
  expect((await review(owner, stored[1]!.id, 'rejected')).status).toBe(200)
  await finalize(analysis.id)
  return { owner, project, image, analysis, annotationIds: stored.map((a) => a.id) }
}

let rich: Promise<Awaited<ReturnType<typeof richAnalysis>>> | undefined
const richOnce = () => (rich ??= richAnalysis())

const exportOf = (id: string, token: string, query = '') => api(`/api/analyses/${id}/export${query}`, { token })
const zipOf = async (res: Response) => unzipSync(new Uint8Array(await res.arrayBuffer()))

/** RFC 4180, strictly: CRLF after every record, and a bare CR or LF only inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch !== '"') field += ch
      else if (text[i + 1] === '"') (field += '"'), i++
      else quoted = false
    } else if (ch === '"' && field === '') quoted = true
    else if (ch === ',') row.push(field), (field = '')
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++
    else if (ch === '\r' || ch === '\n' || ch === '"') throw new Error(`stray ${JSON.stringify(ch)} at ${i}`)
    else field += ch
  }
  if (field || row.length || quoted) throw new Error('the last record does not end with CRLF')
  return rows
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

const expectedStamp = (iso: string) => iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')

describe('JSON export', () => {
  it('holds the metadata, provenance, artifact references, review states and every annotation', async () => {
    const { owner, analysis, annotationIds } = await richOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=json')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
    const doc = await res.json<Json>()
    expect(doc.analysis).toMatchObject({ id: analysis.id, model_name: 'yolo_v8', model_version: '8.1.0', status: 'completed' })
    expect(doc.provenance).toEqual({ git_commit: 'abc123', docker_image: 'org/yolo:8.1', training_dataset: 'coco2017' })
    expect(doc.parameters).toEqual({ confidence_threshold: 0.25 })
    expect(doc.image).toMatchObject({ filename: 'chelsea.png', width: 451, height: 300 })
    expect(doc.artifacts.map((a: Json) => a.filename).sort()).toEqual(['heatmap.png', 'run.log'])
    expect(doc.artifacts[0].download_path).toMatch(/^\/api\/ml\/artifacts\/download\?storage_path=ml_outputs%2F/)
    expect(doc.review_summary).toEqual({ unreviewed: 7, accepted: 1, rejected: 1 })
    expect(doc.annotations.map((a: Json) => a.id)).toEqual(annotationIds)
    expect(doc.annotations[0]).toMatchObject({ review_state: 'accepted', review_note: 'checked, "good"', class_name: 'person' })
    expect(doc.annotations[1].review_state).toBe('rejected')
  })

  it('is named analysis_{model_name}_{completed_at}_{id8}.json, with the model name made filename-safe', async () => {
    const { owner, analysis } = await richOnce()
    const row = await env.DB.prepare('SELECT completed_at FROM analyses WHERE id = ?').bind(analysis.id).first<{ completed_at: string }>()
    const res = await exportOf(analysis.id, owner.token)
    expect(res.headers.get('Content-Disposition')).toBe(`attachment; filename="analysis_yolo_v8_${expectedStamp(row!.completed_at)}_${analysis.id.slice(0, 8)}.json"`)
    await res.body?.cancel()

    const odd = await richAnalysis('détecteur v2/β "x"')
    const named = await exportOf(odd.analysis.id, odd.owner.token, '?format=csv')
    expect(named.headers.get('Content-Disposition')).toMatch(/^attachment; filename="analysis_d_tecteur_v2____x__\d{8}T\d{6}Z_[0-9a-f]{8}\.csv"$/)
    await named.body?.cancel()
  })

  it('stamps an unfinished analysis with the time of export', async () => {
    const owner = await createUser('owner')
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    const analysis = await createAnalysis(owner, image.id)
    const before = expectedStamp(new Date(Date.now() - 1000).toISOString())
    const res = await exportOf(analysis.id, owner.token)
    const stamp = /_(\d{8}T\d{6}Z)_[0-9a-f]{8}\.json"$/.exec(res.headers.get('Content-Disposition')!)![1]!
    expect(stamp >= before).toBe(true)
    expect((await res.json<Json>()).annotations).toEqual([])
  })
})

describe('CSV export', () => {
  it('has the RFC 4180 header and CRLF after every record', async () => {
    const { owner, analysis } = await richOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=csv')
    expect(res.headers.get('Content-Type')).toMatch(/^text\/csv/)
    const text = await res.text()
    expect(text.startsWith('id,annotation_type,class_name,confidence,ordering,review_state,x_min,y_min,x_max,y_max,storage_path,data\r\n')).toBe(true)
    const rows = parseCsv(text)
    expect(rows).toHaveLength(10)
    expect(rows.every((r) => r.length === 12)).toBe(true)
  })

  it('quotes commas, quotes and newlines in class names so they parse back unchanged', async () => {
    const { owner, analysis } = await richOnce()
    const [, ...rows] = parseCsv(await (await exportOf(analysis.id, owner.token, '?format=csv')).text())
    expect(rows[1]![2]).toBe(TRICKY_CLASS)
    expect(rows.map((r) => r[2])).toEqual(['person', TRICKY_CLASS, 'roof', 'blob', 'blob', 'person', 'person', 'cat', ''])
  })

  it('flattens boxes from either coordinate form and keeps the rest of data as JSON', async () => {
    const { owner, analysis } = await richOnce()
    const [header, ...rows] = parseCsv(await (await exportOf(analysis.id, owner.token, '?format=csv')).text())
    const record = (r: string[]) => Object.fromEntries(header!.map((h, i) => [h, r[i]]))
    expect(record(rows[0]!)).toMatchObject({
      annotation_type: 'bounding_box',
      confidence: '0.9',
      ordering: '0',
      review_state: 'accepted',
      x_min: '45.1',
      y_min: '30',
      x_max: '135.3',
      y_max: '90',
      storage_path: '',
    })
    expect(JSON.parse(record(rows[0]!).data!)).toEqual({ image_width: 451, image_height: 300 })
    expect(record(rows[1]!)).toMatchObject({ x_min: '10', y_min: '20', x_max: '110', y_max: '220', review_state: 'rejected' })
    expect(JSON.parse(record(rows[1]!).data!)).toEqual({ note: 'ltrb' })
    const polygon = record(rows[2]!)
    expect(polygon.x_min).toBe('')
    expect(JSON.parse(polygon.data!).points).toHaveLength(4)
    expect(record(rows[8]!).storage_path).toMatch(/^ml_outputs\/.+\/heatmap\.png$/)
  })
})

describe('COCO export, dataset form', () => {
  async function coco() {
    const { owner, analysis } = await richOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=coco')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Disposition')).toMatch(/filename="analysis_yolo_v8_\d{8}T\d{6}Z_[0-9a-f]{8}\.coco\.json"$/)
    return res.json<Json>()
  }

  it('has info, licenses, images, categories and annotations with COCO field types', async () => {
    const doc = await coco()
    expect(doc.info).toMatchObject({ contributor: 'Loupe', year: expect.any(Number) })
    expect(doc.licenses).toEqual([])
    expect(doc.images).toEqual([{ id: 1, file_name: 'chelsea.png', width: 451, height: 300, loupe: expect.any(Object) }])
    for (const c of doc.categories) {
      expect(Number.isInteger(c.id)).toBe(true)
      expect(typeof c.name).toBe('string')
      expect(typeof c.supercategory).toBe('string')
    }
    const ids = new Set(doc.annotations.map((a: Json) => a.id))
    expect(ids.size).toBe(doc.annotations.length)
    for (const a of doc.annotations) {
      expect(Number.isInteger(a.id) && a.id > 0).toBe(true)
      expect(a.image_id).toBe(1)
      expect(doc.categories.some((c: Json) => c.id === a.category_id)).toBe(true)
      expect(a.bbox).toHaveLength(4)
      expect(a.bbox.every((n: unknown) => typeof n === 'number')).toBe(true)
      expect(a.bbox[2] >= 0 && a.bbox[3] >= 0).toBe(true)
      expect(typeof a.area).toBe('number')
      expect(a.iscrowd).toBe(0)
      expect(Array.isArray(a.segmentation) || (Array.isArray(a.segmentation.size) && typeof a.segmentation.counts === 'string')).toBe(true)
    }
  })

  it('takes categories from class names, sorted and numbered from 1, and leaves out types without geometry', async () => {
    const doc = await coco()
    expect(doc.categories.map((c: Json) => [c.id, c.name])).toEqual([
      [1, 'blob'],
      [2, TRICKY_CLASS],
      [3, 'person'],
      [4, 'roof'],
    ])
    expect(doc.annotations).toHaveLength(7)
    expect(doc.annotations.map((a: Json) => a.loupe.annotation_type)).not.toContain('classification')
    expect(doc.loupe).toMatchObject({ model_name: 'yolo_v8', model_version: '8.1.0', provenance: { git_commit: 'abc123' }, skipped: 0 })
  })

  it('writes bbox as [x, y, w, h], and boxes decode back to the same corners', async () => {
    const doc = await coco()
    const [first, second] = doc.annotations
    expect(first.bbox).toEqual([45.1, 30, 135.3 - 45.1, 60])
    expect([first.bbox[0], first.bbox[1], first.bbox[0] + first.bbox[2], first.bbox[1] + first.bbox[3]]).toEqual([45.1, 30, 135.3, 90])
    expect(first.area).toBeCloseTo((135.3 - 45.1) * 60)
    expect(second.bbox).toEqual([10, 20, 100, 200])
    expect(first.score).toBe(0.9)
  })

  it('writes RLE in the compressed string form that decodes back to the same run lengths', async () => {
    const doc = await coco()
    const [fromArray, fromString] = doc.annotations.filter((a: Json) => a.loupe.annotation_type === 'segmentation')
    expect(fromArray.segmentation.size).toEqual([300, 451])
    expect(decodeRle(fromArray.segmentation.counts)).toEqual([37, 100, 3, 250, 40, 170, 134_700])
    expect(fromArray.bbox).toEqual([0, 0, 2, 300])
    expect(fromArray.area).toBe(520)
    expect(fromString.segmentation).toEqual({ size: [300, 451], counts: '37jST4' })
    expect(decodeRle(fromString.segmentation.counts)).toEqual([3, 7, 135_290])
  })

  it('writes polygons as flat [x1, y1, …] lists with their extent and area', async () => {
    const polygon = (await coco()).annotations.find((a: Json) => a.loupe.annotation_type === 'polygon')
    expect(polygon.segmentation).toEqual([[10, 10, 110, 10, 110, 60, 10, 60]])
    expect(polygon.bbox).toEqual([10, 10, 100, 50])
    expect(polygon.area).toBe(5000)
  })

  it('flattens keypoints as [x, y, v] in the category’s order, with a 1-based skeleton', async () => {
    const doc = await coco()
    const person = doc.categories.find((c: Json) => c.name === 'person')
    expect(person.keypoints).toEqual(['nose', 'left_eye', 'right_eye'])
    expect(person.skeleton).toEqual([[1, 2], [1, 3]])
    const [first, second] = doc.annotations.filter((a: Json) => a.loupe.annotation_type === 'keypoint')
    expect(first.keypoints).toEqual([150, 100, 2, 140, 95, 1, 160, 95, 2])
    expect(first.num_keypoints).toBe(3)
    expect(first.bbox).toEqual([140, 95, 20, 5])
    expect(second.keypoints).toEqual([250, 200, 2, 240, 195, 1, 0, 0, 0])
    expect(second.num_keypoints).toBe(2)
    expect(second.loupe.unmapped_keypoints).toEqual(['tail'])
  })

  it('keeps review state, model version and the Loupe id under the loupe extension key', async () => {
    const { annotationIds } = await richOnce()
    const [first, second] = (await coco()).annotations
    expect(first.loupe).toMatchObject({
      id: annotationIds[0],
      review_state: 'accepted',
      review_note: 'checked, "good"',
      model_name: 'yolo_v8',
      model_version: '8.1.0',
      confidence: 0.9,
    })
    expect(second.loupe.review_state).toBe('rejected')
  })
})

describe('COCO export, results form', () => {
  it('is a bare array of {image_id, category_id, bbox, score} with segmentation and keypoints where present', async () => {
    const { owner, analysis } = await richOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=coco&variant=results')
    expect(res.headers.get('Content-Disposition')).toMatch(/\.coco-results\.json"$/)
    const results = await res.json<Json[]>()
    const dataset = await (await exportOf(analysis.id, owner.token, '?format=coco')).json<Json>()
    expect(results).toHaveLength(dataset.annotations.length)
    results.forEach((r, i) => {
      const gt = dataset.annotations[i]
      expect(r).toMatchObject({ image_id: 1, category_id: gt.category_id, bbox: gt.bbox, score: gt.score })
      expect(r).not.toHaveProperty('id')
    })
    expect(results[0]).not.toHaveProperty('segmentation')
    expect(decodeRle(results[3]!.segmentation.counts)).toEqual([37, 100, 3, 250, 40, 170, 134_700])
    expect(results[5]!.keypoints).toEqual([150, 100, 2, 140, 95, 1, 160, 95, 2])
  })

  it('refuses variant with another format', async () => {
    const { owner, analysis } = await richOnce()
    expect((await exportOf(analysis.id, owner.token, '?format=csv&variant=results')).status).toBe(400)
    expect((await exportOf(analysis.id, owner.token, '?format=xml')).status).toBe(400)
  })
})

describe('YOLO export', () => {
  it('is a zip of classes.txt, data.yaml, the label file and the image', async () => {
    const { owner, analysis } = await richOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=yolo')
    expect(res.headers.get('Content-Type')).toBe('application/zip')
    expect(res.headers.get('Content-Disposition')).toMatch(/filename="analysis_yolo_v8_\d{8}T\d{6}Z_[0-9a-f]{8}\.yolo\.zip"$/)
    const zip = await zipOf(res)
    expect(Object.keys(zip).sort()).toEqual(['classes.txt', 'data.yaml', 'images/chelsea.png', 'labels/chelsea.txt'])
    expect(strFromU8(zip['classes.txt']!)).toBe(`${TRICKY_CLASS.replace('\n', ' ')}\nperson\n`)
    const yaml = strFromU8(zip['data.yaml']!)
    expect(yaml).toContain('nc: 2\n')
    expect(yaml).toContain(`names: ${JSON.stringify([TRICKY_CLASS, 'person'])}`)
    expect(zip['images/chelsea.png']).toEqual(CHELSEA)
  })

  it('writes one normalized "class cx cy w h" line per box, every value within 0..1', async () => {
    const { owner, analysis } = await richOnce()
    const zip = await zipOf(await exportOf(analysis.id, owner.token, '?format=yolo'))
    const lines = strFromU8(zip['labels/chelsea.txt']!).trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) {
      const [cls, ...rest] = line.split(' ')
      expect(Number.isInteger(Number(cls)) && Number(cls) < 2).toBe(true)
      expect(rest).toHaveLength(4)
      expect(rest.every((v) => Number(v) >= 0 && Number(v) <= 1)).toBe(true)
    }
    const [cls, cx, cy, w, h] = lines[0]!.split(' ').map(Number)
    expect(cls).toBe(1)
    expect(cx).toBeCloseTo((45.1 + 135.3) / 2 / 451, 5)
    expect(cy).toBeCloseTo(60 / 300, 5)
    expect(w).toBeCloseTo(90.2 / 451, 5)
    expect(h).toBeCloseTo(60 / 300, 5)
    expect(lines[1]).toBe(`0 ${(60 / 451).toFixed(6)} ${(120 / 300).toFixed(6)} ${(100 / 451).toFixed(6)} ${(200 / 300).toFixed(6)}`)
  })

  it("normalizes by the box's image_width and image_height when the image row has no size, and clamps to 0..1", async () => {
    const owner = await createUser('owner')
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    await env.DB.prepare('UPDATE images SET width = NULL, height = NULL WHERE id = ?').bind(image.id).run()
    const analysis = await createAnalysis(owner, image.id)
    await post(analysis.id, [
      { annotation_type: 'bounding_box', class_name: 'a', data: { x_min: 100, y_min: 100, x_max: 300, y_max: 500, image_width: 1000, image_height: 1000 } },
      { annotation_type: 'bounding_box', class_name: 'a', data: { x_min: -50, y_min: 0, x_max: 50, y_max: 10 } },
    ])
    const zip = await zipOf(await exportOf(analysis.id, owner.token, '?format=yolo'))
    expect(strFromU8(zip['labels/pixel.txt']!)).toBe(`0 0.200000 0.300000 0.200000 0.400000\n0 0.025000 0.005000 0.050000 0.010000\n`)
  })
})

describe('provenance bundle', () => {
  it('holds manifest.json, annotations.jsonl and the artifacts, named …bundle.zip', async () => {
    const { owner, analysis, annotationIds } = await richOnce()
    const res = await api(`/api/analyses/${analysis.id}/bundle`, { token: owner.token })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Disposition')).toMatch(/filename="analysis_yolo_v8_\d{8}T\d{6}Z_[0-9a-f]{8}\.bundle\.zip"$/)
    const zip = await zipOf(res)
    expect(Object.keys(zip).sort()).toEqual(['annotations.jsonl', 'artifacts/heatmap.png', 'artifacts/run.log', 'manifest.json'])
    const lines = strFromU8(zip['annotations.jsonl']!).trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((a) => a.id)).toEqual(annotationIds)
    const manifest = JSON.parse(strFromU8(zip['manifest.json']!))
    expect(manifest.analysis).toMatchObject({ id: analysis.id, model_version: '8.1.0' })
    expect(manifest.parameters).toEqual({ confidence_threshold: 0.25 })
    expect(manifest.provenance).toEqual({ git_commit: 'abc123', docker_image: 'org/yolo:8.1', training_dataset: 'coco2017' })
    expect(manifest.image).toMatchObject({ filename: 'chelsea.png', sha256: await sha256Of(CHELSEA) })
    expect(manifest.annotations).toMatchObject({ path: 'annotations.jsonl', count: 9, sha256: await sha256Of(zip['annotations.jsonl']!) })
  })

  it("lists every artifact with a size and SHA-256 that match the bytes in the zip and the upload", async () => {
    const { owner, analysis } = await richOnce()
    const zip = await zipOf(await api(`/api/analyses/${analysis.id}/bundle`, { token: owner.token }))
    const manifest = JSON.parse(strFromU8(zip['manifest.json']!))
    const byName = Object.fromEntries(manifest.artifacts.map((a: Json) => [a.filename, a]))
    for (const [name, uploaded] of [['heatmap.png', HEATMAP_BYTES], ['run.log', LOG_BYTES]] as const) {
      const entry = byName[name]
      expect(entry).toMatchObject({ path: `artifacts/${name}`, included: true, bytes: uploaded.byteLength, sha256: await sha256Of(uploaded) })
      expect(zip[entry.path]).toEqual(uploaded)
      expect(entry).not.toHaveProperty('recorded_sha256')
    }
  })

  it('hashes the artifact while streaming it when the row lacks a hash, and flags a recorded hash that disagrees', async () => {
    const { owner, analysis } = await richAnalysis()
    await env.DB.prepare("UPDATE artifacts SET sha256 = NULL WHERE analysis_id = ? AND filename = 'heatmap.png'").bind(analysis.id).run()
    await env.DB.prepare("UPDATE artifacts SET sha256 = ? WHERE analysis_id = ? AND filename = 'run.log'").bind('0'.repeat(64), analysis.id).run()
    const zip = await zipOf(await api(`/api/analyses/${analysis.id}/bundle`, { token: owner.token }))
    const byName = Object.fromEntries(JSON.parse(strFromU8(zip['manifest.json']!)).artifacts.map((a: Json) => [a.filename, a]))
    expect(byName['heatmap.png'].sha256).toBe(await sha256Of(HEATMAP_BYTES))
    expect(byName['run.log']).toMatchObject({ sha256: await sha256Of(LOG_BYTES), recorded_sha256: '0'.repeat(64) })
  })

  it('lists an artifact whose object is missing from R2 without including it', async () => {
    const { owner, analysis } = await richAnalysis()
    const path = `ml_outputs/${analysis.id}/heatmap.png`
    await env.BUCKET.delete(path)
    const zip = await zipOf(await api(`/api/analyses/${analysis.id}/bundle`, { token: owner.token }))
    expect(zip['artifacts/heatmap.png']).toBeUndefined()
    const entry = JSON.parse(strFromU8(zip['manifest.json']!)).artifacts.find((a: Json) => a.storage_path === path)
    expect(entry).toMatchObject({ included: false, path: null })
  })
})

describe('project dataset export', () => {
  /**
   * chelsea: an old and a newer completed `det` analysis, and a newer `seg` one; coffee: one `det`
   * analysis with an accepted and an unreviewed box; a second image named chelsea.png: only a
   * queued `det` analysis.
   */
  async function project() {
    const owner = await createUser('owner')
    const { id } = await createProject(owner, 'Retrain: cats & cups')
    const chelsea = await uploadImage(owner, id, CHELSEA, 'chelsea.png')
    const coffee = await uploadImage(owner, id, COFFEE, 'coffee.png')
    const twin = await uploadImage(owner, id, CHELSEA, 'chelsea.png')
    const box = (cls: string, x = 10) => ({ annotation_type: 'bounding_box', class_name: cls, confidence: 0.8, data: { x_min: x, y_min: 10, x_max: x + 100, y_max: 110 } })
    const completed = async (imageId: string, model: string, items: Item[], completedAt: string) => {
      const a = await createAnalysis(owner, imageId, { model_name: model })
      const stored = await post(a.id, items)
      await finalize(a.id)
      await env.DB.prepare('UPDATE analyses SET completed_at = ? WHERE id = ?').bind(completedAt, a.id).run()
      return { id: a.id, annotations: stored.map((s) => s.id) }
    }
    await completed(chelsea.id, 'det', [box('stale')], '2025-01-01T00:00:00.000Z')
    const latest = await completed(chelsea.id, 'det', [box('cat'), box('cat', 200)], '2025-02-01T00:00:00.000Z')
    await completed(chelsea.id, 'seg', [box('other')], '2025-03-01T00:00:00.000Z')
    const cup = await completed(coffee.id, 'det', [box('cup'), box('saucer', 300)], '2025-02-01T00:00:00.000Z')
    await createAnalysis(owner, twin.id, { model_name: 'det' })
    expect((await review(owner, cup.annotations[0]!, 'accepted')).status).toBe(200)
    expect((await review(owner, latest.annotations[0]!, 'accepted')).status).toBe(200)
    return { owner, projectId: id, chelsea, coffee, twin }
  }
  let fixture: ReturnType<typeof project> | undefined
  const projectOnce = () => (fixture ??= project())

  const exportProject = (projectId: string, token: string, query: string) => api(`/api/projects/${projectId}/export${query}`, { token })

  it('COCO: annotations.json over the latest completed analysis of the model per image, plus the images', async () => {
    const { owner, projectId, chelsea, coffee } = await projectOnce()
    const res = await exportProject(projectId, owner.token, '?format=coco&model=det')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Disposition')).toMatch(/filename="project_Retrain__cats___cups_det_\d{8}T\d{6}Z\.coco\.zip"$/)
    const zip = await zipOf(res)
    expect(Object.keys(zip).sort()).toEqual(['annotations.json', 'images/chelsea.png', 'images/coffee.png'])
    expect(zip['images/coffee.png']).toEqual(COFFEE)
    const doc = JSON.parse(strFromU8(zip['annotations.json']!))
    expect(doc.images.map((i: Json) => [i.id, i.file_name, i.width, i.height, i.loupe.image_id])).toEqual([
      [1, 'chelsea.png', 451, 300, chelsea.id],
      [2, 'coffee.png', 600, 400, coffee.id],
    ])
    expect(doc.categories.map((c: Json) => c.name)).toEqual(['cat', 'cup', 'saucer'])
    const named = doc.annotations.map((a: Json) => [a.image_id, doc.categories.find((c: Json) => c.id === a.category_id).name])
    expect(named).toEqual([[1, 'cat'], [1, 'cat'], [2, 'cup'], [2, 'saucer']])
    expect(doc.annotations.map((a: Json) => a.id)).toEqual([1, 2, 3, 4])
    expect(doc.loupe).toMatchObject({ project_id: projectId, model_name: 'det', review: 'any' })
  })

  it('review=accepted keeps only accepted annotations', async () => {
    const { owner, projectId } = await projectOnce()
    const zip = await zipOf(await exportProject(projectId, owner.token, '?format=coco&model=det&review=accepted'))
    const doc = JSON.parse(strFromU8(zip['annotations.json']!))
    expect(doc.annotations.map((a: Json) => a.loupe.review_state)).toEqual(['accepted', 'accepted'])
    expect(doc.categories.map((c: Json) => c.name)).toEqual(['cat', 'cup'])
  })

  it('YOLO: labels and images per image with unique stems, classes.txt and data.yaml', async () => {
    const { owner, projectId } = await projectOnce()
    const res = await exportProject(projectId, owner.token, '?format=yolo&model=det')
    expect(res.headers.get('Content-Disposition')).toMatch(/\.yolo\.zip"$/)
    const zip = await zipOf(res)
    expect(Object.keys(zip).sort()).toEqual(['classes.txt', 'data.yaml', 'images/chelsea.png', 'images/coffee.png', 'labels/chelsea.txt', 'labels/coffee.txt'])
    expect(strFromU8(zip['classes.txt']!)).toBe('cat\ncup\nsaucer\n')
    expect(strFromU8(zip['labels/coffee.txt']!).split('\n')[1]).toBe(`2 ${(350 / 600).toFixed(6)} ${(60 / 400).toFixed(6)} ${(100 / 600).toFixed(6)} ${(100 / 400).toFixed(6)}`)
  })

  it('without a model takes the latest completed analysis of any model, and keeps two same-named images apart', async () => {
    const { owner, projectId, twin } = await projectOnce()
    await finalize((await createAnalysis(owner, twin.id, { model_name: 'late' })).id)
    const zip = await zipOf(await exportProject(projectId, owner.token, '?format=yolo'))
    expect(Object.keys(zip).filter((n) => n.startsWith('labels/')).sort()).toEqual(['labels/chelsea.txt', `labels/chelsea_${twin.id.slice(0, 8)}.txt`, 'labels/coffee.txt'])
    expect(strFromU8(zip['classes.txt']!)).toBe('cup\nother\nsaucer\n')
  })
})

describe('access control', () => {
  /** Each export endpoint, for an analysis and its project. */
  const ENDPOINTS: [string, (w: { analysisId: string; projectId: string }) => string][] = [
    ['json', (w) => `/api/analyses/${w.analysisId}/export?format=json`],
    ['csv', (w) => `/api/analyses/${w.analysisId}/export?format=csv`],
    ['coco', (w) => `/api/analyses/${w.analysisId}/export?format=coco`],
    ['coco results', (w) => `/api/analyses/${w.analysisId}/export?format=coco&variant=results`],
    ['yolo', (w) => `/api/analyses/${w.analysisId}/export?format=yolo`],
    ['bundle', (w) => `/api/analyses/${w.analysisId}/bundle`],
    ['project coco', (w) => `/api/projects/${w.projectId}/export?format=coco`],
    ['project yolo', (w) => `/api/projects/${w.projectId}/export?format=yolo`],
  ]

  async function world() {
    const { owner, project, analysis } = await richOnce()
    const viewer = await createUser('viewer')
    const stranger = await createUser('stranger')
    await addMember(owner, project.id, viewer, 'viewer')
    return { viewer, stranger, w: { analysisId: analysis.id, projectId: project.id } }
  }

  it.each(ENDPOINTS)('%s: anonymous 401, non-member 404, viewer 200, ML disabled 404', async (_name, path) => {
    const { viewer, stranger, w } = await world()
    expect((await api(path(w))).status).toBe(401)
    const hidden = await api(path(w), { token: stranger.token })
    expect(hidden.status).toBe(404)
    expect((await hidden.json<Json>()).error.code).toBe('not_found')
    const allowed = await api(path(w), { token: viewer.token })
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('Content-Disposition')).toMatch(/^attachment; filename="[A-Za-z0-9._-]+"$/)
    await allowed.arrayBuffer()
    expect((await fetchWithEnv(request(path(w), { token: viewer.token }), { ML_ANALYSIS_ENABLED: 'false' })).status).toBe(404)
  })

  it('an unknown analysis or project is 404', async () => {
    const { viewer } = await world()
    const ghost = { analysisId: crypto.randomUUID(), projectId: crypto.randomUUID() }
    for (const [, path] of ENDPOINTS) expect((await api(path(ghost), { token: viewer.token })).status).toBe(404)
  })

  it('the OpenAPI document lists the export endpoints', async () => {
    const doc = await (await api('/api/openapi.json')).json<Json>()
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/analyses/{id}/export', '/api/analyses/{id}/bundle', '/api/projects/{project_id}/export']))
    expect(doc.paths['/api/analyses/{id}/export'].get.parameters.map((p: Json) => p.name)).toEqual(expect.arrayContaining(['id', 'format', 'variant']))
  })
})

describe('streaming 100,000 annotations', () => {
  const N = 100_000

  /** Straight into D1 with one recursive CTE: the point is the export, not the ingest. */
  async function bigAnalysis() {
    const owner = await createUser('owner')
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id, CHELSEA, 'chelsea.png')
    const analysis = await createAnalysis(owner, image.id)
    const prefix = crypto.randomUUID().slice(0, 8)
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
       INSERT INTO annotations (id, analysis_id, annotation_type, class_name, confidence, data, ordering, content_hash)
       SELECT printf('%s-0000-4000-8000-%012d', ?3, i), ?1, 'bounding_box', 'class_' || (i % 7), (i % 1000) / 1000.0,
         json_object('x_min', i % 400, 'y_min', i % 250, 'x_max', i % 400 + 20, 'y_max', i % 250 + 30, 'image_width', 451, 'image_height', 300),
         i, 'h' || i
       FROM n`,
    )
      .bind(analysis.id, N, prefix)
      .run()
    return { owner, analysis }
  }
  let big: ReturnType<typeof bigAnalysis> | undefined
  const bigOnce = () => (big ??= bigAnalysis())

  /** Reads the body chunk by chunk, counting `needle` across chunk boundaries, never keeping the body. */
  async function countStreamed(res: Response, needle: string) {
    const reader = res.body!.getReader()
    const decoder = new TextDecoder()
    let tail = ''
    let count = 0
    let chunks = 0
    let bytes = 0
    let last = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      chunks++
      bytes += value.byteLength
      const text = tail + decoder.decode(value, { stream: true })
      for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) count++
      const keep = Math.max(0, text.length - needle.length + 1)
      tail = text.slice(keep)
      last = text.slice(-16)
    }
    return { count, chunks, bytes, last }
  }

  it('exports them as JSON, a page at a time', { timeout: 180_000 }, async () => {
    const { owner, analysis } = await bigOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=json')
    expect(res.status).toBe(200)
    const { count, chunks, last } = await countStreamed(res, '"annotation_type":"bounding_box"')
    expect(count).toBe(N)
    expect(chunks).toBeGreaterThanOrEqual(N / 1000)
    expect(last.endsWith(']}')).toBe(true)
  })

  it('exports them as CSV, a page at a time', { timeout: 180_000 }, async () => {
    const { owner, analysis } = await bigOnce()
    const res = await exportOf(analysis.id, owner.token, '?format=csv')
    const { count, chunks } = await countStreamed(res, '\r\n')
    expect(count).toBe(N + 1)
    expect(chunks).toBeGreaterThanOrEqual(N / 1000)
  })

  it('exports them as a YOLO zip with one label line each', { timeout: 180_000 }, async () => {
    const { owner, analysis } = await bigOnce()
    const zip = await zipOf(await exportOf(analysis.id, owner.token, '?format=yolo'))
    const lines = strFromU8(zip['labels/chelsea.txt']!).trimEnd().split('\n')
    expect(lines).toHaveLength(N)
    expect(lines[N - 1]).toMatch(/^\d \d\.\d{6} \d\.\d{6} \d\.\d{6} \d\.\d{6}$/)
  })
})
