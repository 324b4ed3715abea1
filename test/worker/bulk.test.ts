import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { chunkJson } from '../../src/db/annotation-sql'
import { prepareAnnotations } from '../../src/domain/annotations-bulk'
import type { AnnotationInput } from '../../src/schemas/annotation-types'
import { analysisRow, api, BASE, fetchWithEnv, PNG_1x1, scenario, signed, signedRequest, uploadArtifact, type TestUser } from './helpers'

interface Annotation {
  id: string
  analysis_id: string
  annotation_type: string
  class_name: string | null
  confidence: number | null
  data: Record<string, unknown>
  storage_path: string | null
  ordering: number | null
  key: string | null
  review_state: string
  created_at: string
}

interface BulkResponse {
  annotations: Annotation[]
  total: number
  created: number
  duplicates: number
}

interface Envelope {
  error: { code: string; message: string; details: { issues?: { path: string[] }[]; items?: unknown[]; [k: string]: unknown } | null }
}

type Item = Record<string, unknown>

const bulk = (analysisId: string, annotations: Item[], mode?: 'append' | 'replace' | 'upsert') =>
  signed('POST', `/api/analyses/${analysisId}/annotations:bulk`, mode ? { annotations, mode } : { annotations })

async function stored(owner: TestUser, analysisId: string) {
  const res = await api(`/api/analyses/${analysisId}/annotations?limit=5000`, { token: owner.token })
  return (await res.json<{ annotations: Annotation[]; total: number }>()).annotations
}

const box = (i: number, extra: Item = {}): Item => ({
  annotation_type: 'bounding_box',
  class_name: `obj${i}`,
  confidence: 0.5,
  data: { x_min: i, y_min: 0, x_max: i + 10, y_max: 10, image_width: 1024, image_height: 768 },
  ...extra,
})

/** Valid items per type; `{artifact}` is replaced by the path of an uploaded artifact of the analysis. */
const VALID: [string, Item][] = [
  ['bounding_box (x_min/y_min/x_max/y_max)', box(1)],
  ['bounding_box (left/top/right/bottom)', { annotation_type: 'bounding_box', data: { left: 1, top: 2, right: 3, bottom: 4 } }],
  ['bounding_box touching the image edge', { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, x_max: 1024, y_max: 768, image_width: 1024, image_height: 768 } }],
  [
    'classification (topk)',
    { annotation_type: 'classification', class_name: 'golden_retriever', confidence: 0.94, data: { topk: [{ class: 'golden_retriever', confidence: 0.94 }, { class: 'labrador', confidence: 0.04 }] } },
  ],
  ['classification (score)', { annotation_type: 'classification', class_name: 'cat', confidence: 0.99, data: { score: 0.99 } }],
  ['heatmap', { annotation_type: 'heatmap', data: { width: 512, height: 512, color_map: 'viridis' }, storage_path: '{artifact}' }],
  ['mask', { annotation_type: 'mask', class_name: 'building', data: { width: 1024, height: 768 }, storage_path: '{artifact}' }],
  ['segmentation (RLE string counts)', { annotation_type: 'segmentation', class_name: 'car', confidence: 0.91, data: { format: 'rle', counts: '61X13mN000`0', size: [9, 10], bbox: [0, 2, 8, 5], area: 13 } }],
  ['segmentation (RLE array counts)', { annotation_type: 'segmentation', data: { format: 'rle', counts: [0, 5, 10, 5], size: [4, 5], bbox: [0, 0, 5, 4], area: 10 } }],
  ['segmentation (PNG artifact)', { annotation_type: 'segmentation', data: { width: 4, height: 4 }, storage_path: '{artifact}' }],
  ['polygon (pairs)', { annotation_type: 'polygon', class_name: 'roof', data: { points: [[10, 10], [120, 15], [90, 140]] } }],
  ['polygon (objects)', { annotation_type: 'polygon', data: { points: [{ x: 1, y: 1 }, { x: 5, y: 1 }, { x: 3, y: 4 }] } }],
  [
    'keypoint',
    {
      annotation_type: 'keypoint',
      class_name: 'person',
      confidence: 0.88,
      data: {
        keypoints: [
          { name: 'nose', x: 150, y: 100, confidence: 0.95 },
          { name: 'left_eye', x: 140, y: 95, confidence: 0.92 },
          { name: 'right_eye', x: 160, y: 95, confidence: 0.9 },
        ],
        skeleton: [[0, 1], [0, 2]],
      },
    },
  ],
  ['custom', { annotation_type: 'custom', class_name: 'defect_analysis', data: { defect_type: 'scratch', coordinates: [[1, 2], [3, 4]], metadata: { inspector: 'AI-v2' } } }],
  ['custom just under 64 KB', { annotation_type: 'custom', data: { blob: 'x'.repeat(65_000) } }],
  ['confidence 0', box(2, { confidence: 0 })],
  ['confidence 1', box(3, { confidence: 1 })],
  ['no confidence', box(4, { confidence: null })],
]

/** Invalid items and the path the error must point at (under annotations.0). */
const INVALID: [string, Item, string[]][] = [
  ['bounding_box with x_min = x_max', { annotation_type: 'bounding_box', data: { x_min: 5, y_min: 0, x_max: 5, y_max: 1 } }, ['data', 'x_max']],
  ['bounding_box with x_min > x_max', { annotation_type: 'bounding_box', data: { x_min: 9, y_min: 0, x_max: 5, y_max: 1 } }, ['data', 'x_max']],
  ['bounding_box with y_min > y_max', { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 9, x_max: 5, y_max: 1 } }, ['data', 'y_max']],
  ['bounding_box beyond image_width', { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, x_max: 1025, y_max: 1, image_width: 1024, image_height: 768 } }, ['data']],
  ['bounding_box beyond image_height', { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, x_max: 1, y_max: 769, image_width: 1024, image_height: 768 } }, ['data']],
  ['bounding_box with a negative coordinate inside an image', { annotation_type: 'bounding_box', data: { x_min: -1, y_min: 0, x_max: 5, y_max: 1, image_width: 10 } }, ['data']],
  ['bounding_box without x_max', { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, y_max: 1 } }, ['data']],
  ['bounding_box with a storage_path', { ...box(1), storage_path: 'ml_outputs/x/y.png' }, ['storage_path']],
  ['classification with neither topk nor score', { annotation_type: 'classification', data: {} }, ['data']],
  ['classification with empty topk', { annotation_type: 'classification', data: { topk: [] } }, ['data', 'topk']],
  ['classification with a topk confidence above 1', { annotation_type: 'classification', data: { topk: [{ class: 'a', confidence: 2 }] } }, ['data', 'topk', '0', 'confidence']],
  ['classification with score above 1', { annotation_type: 'classification', data: { score: 1.5 } }, ['data', 'score']],
  ['heatmap without storage_path', { annotation_type: 'heatmap', data: { width: 2, height: 2 } }, ['storage_path']],
  ['heatmap with zero width', { annotation_type: 'heatmap', data: { width: 0, height: 2 }, storage_path: 'ml_outputs/x/h.png' }, ['data', 'width']],
  ['mask without storage_path', { annotation_type: 'mask', data: { width: 2, height: 2 } }, ['storage_path']],
  ['segmentation with empty RLE counts', { annotation_type: 'segmentation', data: { format: 'rle', counts: '', size: [1, 1], bbox: [0, 0, 1, 1], area: 1 } }, ['data', 'counts']],
  ['segmentation with a negative run length', { annotation_type: 'segmentation', data: { format: 'rle', counts: [1, -2], size: [1, 1], bbox: [0, 0, 1, 1], area: 1 } }, ['data', 'counts', '1']],
  ['segmentation with run lengths that do not fill the size', { annotation_type: 'segmentation', data: { format: 'rle', counts: [1, 2], size: [2, 2], bbox: [0, 0, 2, 2], area: 3 } }, ['data', 'counts']],
  ['segmentation RLE without size', { annotation_type: 'segmentation', data: { format: 'rle', counts: [0, 3], bbox: [0, 0, 1, 3], area: 3 } }, ['data', 'size']],
  ['segmentation with neither RLE nor storage_path', { annotation_type: 'segmentation', data: { width: 3, height: 3 } }, ['storage_path']],
  ['polygon with 2 points', { annotation_type: 'polygon', data: { points: [[0, 0], [1, 1]] } }, ['data', 'points']],
  ['polygon with a point missing y', { annotation_type: 'polygon', data: { points: [{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3 }] } }, ['data', 'points', '2']],
  ['keypoint with a skeleton index out of range', { annotation_type: 'keypoint', data: { keypoints: [{ name: 'a', x: 1, y: 1 }, { name: 'b', x: 2, y: 2 }], skeleton: [[0, 2]] } }, ['data', 'skeleton', '0']],
  ['keypoint without keypoints', { annotation_type: 'keypoint', data: { keypoints: [] } }, ['data', 'keypoints']],
  ['keypoint without a name', { annotation_type: 'keypoint', data: { keypoints: [{ x: 1, y: 1 }] } }, ['data', 'keypoints', '0', 'name']],
  ['custom over 64 KB', { annotation_type: 'custom', data: { blob: 'x'.repeat(66_000) } }, ['data']],
  ['custom that is an array', { annotation_type: 'custom', data: [1, 2] }, ['data']],
  ['confidence below 0', box(1, { confidence: -0.01 }), ['confidence']],
  ['confidence above 1', box(1, { confidence: 1.01 }), ['confidence']],
  ['an unknown annotation_type', { annotation_type: 'sparkle', data: {} }, ['annotation_type']],
  ['no data', { annotation_type: 'custom' }, ['data']],
]

describe('per-type validation', () => {
  it.each(VALID)('accepts %s', async (_name, item) => {
    const { analysis } = await scenario()
    const resolved = item.storage_path === '{artifact}' ? { ...item, storage_path: await uploadArtifact(analysis.id, 'bitmap.png') } : item
    const res = await bulk(analysis.id, [resolved])
    expect(res.status, await res.clone().text()).toBe(200)
    const body = await res.json<BulkResponse>()
    expect(body).toMatchObject({ total: 1, created: 1, duplicates: 0 })
    expect(body.annotations[0]).toMatchObject({
      analysis_id: analysis.id,
      annotation_type: resolved.annotation_type,
      data: resolved.data,
      class_name: resolved.class_name ?? null,
      confidence: resolved.confidence ?? null,
      storage_path: resolved.storage_path ?? null,
      review_state: 'unreviewed',
    })
  })

  it.each(INVALID)('rejects %s with the field path', async (_name, item, path) => {
    const { analysis } = await scenario()
    const res = await bulk(analysis.id, [item])
    expect(res.status).toBe(400)
    const { error } = await res.json<Envelope>()
    expect(error.code).toBe('validation_error')
    expect(error.details!.issues![0]!.path).toEqual(['annotations', '0', ...path])
    expect(error.message.startsWith(`${['annotations', '0', ...path].join('.')}: `)).toBe(true)
  })
})

describe('all or nothing', () => {
  it('stores nothing when one item is bad, and names its index and path', async () => {
    const { owner, analysis } = await scenario()
    const items = [box(0), box(1), box(2), { annotation_type: 'polygon', data: { points: [[0, 0]] } }, box(4)]
    const res = await bulk(analysis.id, items)
    expect(res.status).toBe(400)
    const { error } = await res.json<Envelope>()
    expect(error.details!.issues![0]!.path).toEqual(['annotations', '3', 'data', 'points'])
    expect(error.message).toMatch(/^annotations\.3\.data\.points: /)
    expect(await stored(owner, analysis.id)).toEqual([])
    expect(await analysisRow(analysis.id)).toMatchObject({ annotation_count: 0, version: 0 })
  })

  it('lists every bad item, not just the first', async () => {
    const { analysis } = await scenario()
    const res = await bulk(analysis.id, [box(0), box(1, { confidence: 2 }), box(2), box(3, { confidence: -1 })])
    const { error } = await res.json<Envelope>()
    expect(error.details!.issues!.map((i) => i.path.slice(0, 2))).toEqual([
      ['annotations', '1'],
      ['annotations', '3'],
    ])
  })

  it('answers 400 artifact_not_found for a storage_path that was never presigned', async () => {
    const { owner, analysis } = await scenario()
    const path = `ml_outputs/${analysis.id}/never.png`
    const res = await bulk(analysis.id, [box(0), { annotation_type: 'heatmap', data: { width: 2, height: 2 }, storage_path: path }])
    expect(res.status).toBe(400)
    const { error } = await res.json<Envelope>()
    expect(error.code).toBe('artifact_not_found')
    expect(error.details!.items).toEqual([{ index: 1, path: ['annotations', 1, 'storage_path'], storage_path: path }])
    expect(await stored(owner, analysis.id)).toEqual([])
  })

  it('answers artifact_not_found for an artifact that was presigned but never uploaded', async () => {
    const { analysis } = await scenario()
    const presign = await signed('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'mask', filename: 'mask.png' })
    const { storage_path } = await presign.json<{ storage_path: string }>()
    const res = await bulk(analysis.id, [{ annotation_type: 'mask', data: { width: 2, height: 2 }, storage_path }])
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.code).toBe('artifact_not_found')
  })

  it('answers artifact_not_found for an uploaded artifact of another analysis', async () => {
    const a = await scenario()
    const b = await scenario()
    const foreign = await uploadArtifact(b.analysis.id, 'heatmap.png')
    const res = await bulk(a.analysis.id, [{ annotation_type: 'heatmap', data: { width: 2, height: 2 }, storage_path: foreign }])
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.code).toBe('artifact_not_found')
  })

  it(`refuses more than ML_MAX_BULK_ANNOTATIONS (5000) items in one request`, async () => {
    const { owner, analysis } = await scenario()
    const items = Array.from({ length: 5001 }, (_, i) => ({ annotation_type: 'classification', data: { score: (i % 10) / 10 }, ordering: i }))
    const res = await bulk(analysis.id, items)
    expect(res.status).toBe(400)
    const { error } = await res.json<Envelope>()
    expect(error.code).toBe('validation_error')
    expect(error.message).toMatch(/ML_MAX_BULK_ANNOTATIONS/)
    expect(error.details).toEqual({ max: 5000, received: 5001 })
    expect(await stored(owner, analysis.id)).toEqual([])
  })

  it('honours a configured ML_MAX_BULK_ANNOTATIONS', async () => {
    const { analysis } = await scenario()
    const post = async (n: number) =>
      fetchWithEnv(await signedRequest('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations: Array.from({ length: n }, (_, i) => box(i)) }), {
        ML_MAX_BULK_ANNOTATIONS: '3',
      })
    expect((await post(4)).status).toBe(400)
    expect((await post(3)).status).toBe(200)
  })
})

describe('idempotency', () => {
  it('stores nothing new when the same annotations are posted again', async () => {
    const { owner, analysis } = await scenario()
    const items = [box(0), box(1), box(2)]
    const first = await (await bulk(analysis.id, items)).json<BulkResponse>()
    expect(first).toMatchObject({ total: 3, created: 3, duplicates: 0 })
    const second = await (await bulk(analysis.id, items)).json<BulkResponse>()
    expect(second).toMatchObject({ total: 3, created: 0, duplicates: 3 })
    expect(second.annotations.map((a) => a.id)).toEqual(first.annotations.map((a) => a.id))
    expect(await stored(owner, analysis.id)).toHaveLength(3)
  })

  it('treats reordered keys and reformatted numbers as the same content', async () => {
    const { owner, analysis } = await scenario()
    const a = '{"annotations":[{"annotation_type":"bounding_box","confidence":0.5,"data":{"x_min":1,"y_min":2,"x_max":3,"y_max":4}}]}'
    const b = '{"annotations": [{"data": {"y_max": 4.0, "x_max": 3, "y_min": 2, "x_min": 1e0}, "confidence": 0.50, "annotation_type": "bounding_box"}]}'
    const path = `/api/analyses/${analysis.id}/annotations:bulk`
    expect(await (await signed('POST', path, null, { rawBody: a })).json()).toMatchObject({ created: 1 })
    expect(await (await signed('POST', path, null, { rawBody: b })).json()).toMatchObject({ created: 0, duplicates: 1 })
    expect(await stored(owner, analysis.id)).toHaveLength(1)
  })

  it('counts a repeat inside one request as a duplicate', async () => {
    const { owner, analysis } = await scenario()
    const body = await (await bulk(analysis.id, [box(7), box(7)])).json<BulkResponse>()
    expect(body).toMatchObject({ total: 2, created: 1, duplicates: 1 })
    expect(body.annotations[0]!.id).toBe(body.annotations[1]!.id)
    expect(await stored(owner, analysis.id)).toHaveLength(1)
  })
})

describe('modes', () => {
  it('append adds to what is there', async () => {
    const { owner, analysis } = await scenario()
    await bulk(analysis.id, [box(0), box(1)], 'append')
    const res = await (await bulk(analysis.id, [box(1), box(2)], 'append')).json<BulkResponse>()
    expect(res).toMatchObject({ created: 1, duplicates: 1 })
    expect((await stored(owner, analysis.id)).map((a) => a.class_name)).toEqual(['obj0', 'obj1', 'obj2'])
  })

  it('append defaults when mode is left out', async () => {
    const { owner, analysis } = await scenario()
    await bulk(analysis.id, [box(0)])
    await bulk(analysis.id, [box(1)])
    expect(await stored(owner, analysis.id)).toHaveLength(2)
  })

  it('replace swaps the whole set, keeping the rows it repeats', async () => {
    const { owner, analysis } = await scenario()
    const before = await (await bulk(analysis.id, [box(0), box(1), box(2)])).json<BulkResponse>()
    const res = await bulk(analysis.id, [box(2), box(3)], 'replace')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ total: 2, created: 1, duplicates: 1 })
    const after = await stored(owner, analysis.id)
    expect(after.map((a) => a.class_name).sort()).toEqual(['obj2', 'obj3'])
    expect(after.find((a) => a.class_name === 'obj2')!.id).toBe(before.annotations[2]!.id)
    expect(await analysisRow(analysis.id)).toMatchObject({ annotation_count: 2 })
  })

  it('a retried replace stores nothing new and keeps ids and reviews', async () => {
    const { owner, analysis } = await scenario()
    const items = [box(0), box(1)]
    const first = await (await bulk(analysis.id, items, 'replace')).json<BulkResponse>()
    const reviewed = first.annotations[0]!.id
    const review = await api(`/api/annotations/${reviewed}/review`, { method: 'PATCH', token: owner.token, json: { state: 'accepted' } })
    expect(review.status).toBe(200)
    const retry = await (await bulk(analysis.id, items, 'replace')).json<BulkResponse>()
    expect(retry).toMatchObject({ total: 2, created: 0, duplicates: 2 })
    expect(retry.annotations.map((a) => a.id)).toEqual(first.annotations.map((a) => a.id))
    expect((await stored(owner, analysis.id)).find((a) => a.id === reviewed)).toMatchObject({ review_state: 'accepted' })
  })

  it('replace with an empty list clears the set', async () => {
    const { owner, analysis } = await scenario()
    await bulk(analysis.id, [box(0), box(1)])
    expect((await bulk(analysis.id, [], 'replace')).status).toBe(200)
    expect(await stored(owner, analysis.id)).toEqual([])
  })

  it('upsert updates by key, keeps unchanged keys and adds new ones', async () => {
    const { owner, analysis } = await scenario()
    const first = await (await bulk(analysis.id, [box(0, { key: 'a' }), box(1, { key: 'b' })], 'upsert')).json<BulkResponse>()
    const idOf = (list: Annotation[], key: string) => list.find((x) => x.key === key)!.id
    const second = await (
      await bulk(analysis.id, [box(0, { key: 'a', class_name: 'renamed', confidence: 0.9 }), box(1, { key: 'b' }), box(2, { key: 'c' })], 'upsert')
    ).json<BulkResponse>()
    expect(second).toMatchObject({ total: 3, created: 1, updated: 1, duplicates: 1 })
    const now = await stored(owner, analysis.id)
    expect(now).toHaveLength(3)
    const a = now.find((x) => x.key === 'a')!
    expect(a).toMatchObject({ id: idOf(first.annotations, 'a'), class_name: 'renamed', confidence: 0.9 })
    expect(idOf(now, 'b')).toBe(idOf(first.annotations, 'b'))
    expect(now.find((x) => x.key === 'c')).toMatchObject({ class_name: 'obj2' })
  })

  it('append refuses to reuse a key for different content', async () => {
    const { owner, analysis } = await scenario()
    await bulk(analysis.id, [box(0, { key: 'a' })])
    const res = await bulk(analysis.id, [box(5, { key: 'a' })])
    expect(res.status).toBe(409)
    expect((await stored(owner, analysis.id)).map((x) => x.class_name)).toEqual(['obj0'])
  })

  it('rejects an unknown mode', async () => {
    const { analysis } = await scenario()
    const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations: [], mode: 'merge' })
    expect(res.status).toBe(400)
  })
})

describe('after finalize the set is frozen', () => {
  async function finalized(status: 'completed' | 'failed' = 'completed') {
    const s = await scenario()
    const items = [box(0), box(1)]
    expect((await bulk(s.analysis.id, items)).status).toBe(200)
    expect((await signed('POST', `/api/analyses/${s.analysis.id}/finalize`, { status })).status).toBe(200)
    return { ...s, items }
  }

  it('answers an identical replay with 200 and nothing created', async () => {
    const { analysis, items } = await finalized()
    const res = await bulk(analysis.id, items)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ total: 2, created: 0, duplicates: 2 })
  })

  it('answers a replay of a subset with 200 in append mode', async () => {
    const { analysis, items } = await finalized()
    expect((await bulk(analysis.id, [items[0]!])).status).toBe(200)
  })

  it('refuses new content with 409 analysis_finalized', async () => {
    const { owner, analysis, items } = await finalized()
    const res = await bulk(analysis.id, [...items, box(9)])
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'analysis_finalized', details: { current_status: 'completed' } } })
    expect(await stored(owner, analysis.id)).toHaveLength(2)
  })

  it('refuses a replace that would drop annotations', async () => {
    const { owner, analysis, items } = await finalized()
    expect((await bulk(analysis.id, [items[0]!], 'replace')).status).toBe(409)
    expect((await bulk(analysis.id, items, 'replace')).status).toBe(200)
    expect(await stored(owner, analysis.id)).toHaveLength(2)
  })

  it('freezes a failed analysis too', async () => {
    const { analysis } = await finalized('failed')
    expect((await bulk(analysis.id, [box(9)])).status).toBe(409)
  })

  it('answers 409 analysis_canceled after a cancel', async () => {
    const { owner, analysis } = await scenario()
    await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: owner.token })
    const res = await bulk(analysis.id, [box(0)])
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.code).toBe('analysis_canceled')
  })
})

describe('the literal colon route', () => {
  it('serves POST /api/analyses/{id}/annotations:bulk', async () => {
    const { analysis } = await scenario()
    expect((await bulk(analysis.id, [box(0)])).status).toBe(200)
  })

  it.each(['annotations%3Abulk', 'annotations%3abulk', 'annotationsXbulk', 'annotations-bulk', 'annotations:bulkx', 'annotations:', 'xannotations:bulk'])(
    'answers 404 for %s',
    async (segment) => {
      const { owner, analysis } = await scenario()
      const res = await signed('POST', `/api/analyses/${analysis.id}/${segment}`, { annotations: [box(0)] })
      expect(res.status).toBe(404)
      expect(await stored(owner, analysis.id)).toEqual([])
    },
  )

  it('answers 404 to GET on the bulk route', async () => {
    const { analysis } = await scenario()
    const res = await exports.default.fetch(new Request(`${BASE}/api/analyses/${analysis.id}/annotations:bulk`))
    expect(res.status).toBe(404)
  })

  it('validates the id in the colon route', async () => {
    const res = await signed('POST', '/api/analyses/not-a-uuid/annotations:bulk', { annotations: [] })
    expect(res.status).toBe(400)
  })

  it('documents the real path in the OpenAPI document', async () => {
    const doc = await (await api('/api/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>()
    expect(Object.keys(doc.paths['/api/analyses/{id}/annotations:bulk'] ?? {})).toEqual(['post'])
  })
})

describe('atomicity', () => {
  it('leaves the previous set untouched when an insert fails in a later chunk of a replace', async () => {
    const { owner, analysis } = await scenario()
    const before = await (await bulk(analysis.id, [box(0), box(1), box(2)])).json<BulkResponse>()

    // About 1 KB each, so the batch spans several JSON chunks (statements); the failing item is in the last.
    const items: Item[] = Array.from({ length: 1200 }, (_, i) => ({
      annotation_type: 'custom',
      class_name: i === 1199 ? 'explode' : `pad${i}`,
      data: { i, padding: 'p'.repeat(900) },
    }))
    const chunks = chunkJson(await prepareAnnotations(items as unknown as AnnotationInput[]))
    expect(chunks.length).toBeGreaterThanOrEqual(3)
    expect(chunks[0]).not.toContain('explode')
    expect(chunks.at(-1)).toContain('explode')

    await env.DB.exec(
      `CREATE TRIGGER IF NOT EXISTS test_explode BEFORE INSERT ON annotations WHEN NEW.class_name = 'explode' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    )
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await bulk(analysis.id, items, 'replace')
      expect(res.status).toBeGreaterThanOrEqual(500)
      expect(await res.json()).toMatchObject({ error: { code: 'internal_error' } })
    } finally {
      logged.mockRestore()
      await env.DB.exec('DROP TRIGGER IF EXISTS test_explode')
    }

    const after = await stored(owner, analysis.id)
    expect(after.map((a) => a.id).sort()).toEqual(before.annotations.map((a) => a.id).sort())
    expect(await analysisRow(analysis.id)).toMatchObject({ annotation_count: 3 })
    const audits = await env.DB.prepare(`SELECT count(*) AS n FROM audit_log WHERE target_id = ? AND action = 'annotations.bulk'`).bind(analysis.id).first()
    expect(audits).toEqual({ n: 1 })

    // The same request goes through once the fault is gone.
    const retry = await bulk(analysis.id, items, 'replace')
    expect(retry.status).toBe(200)
    expect(await analysisRow(analysis.id)).toMatchObject({ annotation_count: 1200 })
  })
})

describe('artifacts uploaded straight to R2', () => {
  it('confirms every pending artifact a bulk post names, even more than D1 could bind one by one', async () => {
    const { analysis } = await scenario()
    const paths: string[] = []
    for (let i = 0; i < 95; i++) {
      const res = await signed('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'heatmap', filename: `h${i}.png` })
      const { storage_path } = (await res.json()) as { storage_path: string }
      // What a direct-to-R2 upload leaves behind: the object, and a row the Worker never heard about.
      await env.BUCKET.put(storage_path, PNG_1x1)
      paths.push(storage_path)
    }
    const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: paths.map((p) => ({ annotation_type: 'heatmap', data: { width: 1, height: 1 }, storage_path: p })),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(((await res.json()) as { created: number }).created).toBe(95)
  })
})
