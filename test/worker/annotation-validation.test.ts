import { describe, expect, it } from 'vitest'
import { annotationHash } from '../../src/domain/annotation-hash'
import type { AnnotationInput } from '../../src/schemas/annotation-types'
import { api, scenario, signed, uploadArtifact } from './helpers'

type Item = Record<string, unknown>
interface Envelope {
  error: { code: string; message: string; details: { issues?: { path: string[] }[] } | null }
}

const bulk = (analysisId: string, annotations: Item[]) => signed('POST', `/api/analyses/${analysisId}/annotations:bulk`, { annotations })
const seg = (data: Item, extra: Item = {}): Item => ({ annotation_type: 'segmentation', class_name: 'blob', data, ...extra })

async function expectRefused(items: Item[], path: string[], body: 'annotations' | 'lines' = 'annotations') {
  const { owner, analysis } = await scenario()
  const res = body === 'annotations' ? await bulk(analysis.id, items) : await signed('POST', `/api/analyses/${analysis.id}/logs`, { lines: items })
  expect(res.status, await res.clone().text()).toBe(400)
  const { error } = await res.json<Envelope>()
  expect(error.code).toBe('validation_error')
  expect(error.details!.issues![0]!.path).toEqual([body, '0', ...path])
  expect(error.message.startsWith(`${[body, '0', ...path].join('.')}: `)).toBe(true)
  // A refused write stores nothing.
  const after = await api(`/api/analyses/${analysis.id}`, { token: owner.token })
  expect((await after.json<{ annotation_count: number }>()).annotation_count).toBe(0)
  return error
}

describe('RLE segmentations are validated in full', () => {
  it.each([
    ['counts that are a number (and no format)', seg({ width: 4, height: 4, counts: 7 }), ['data', 'counts']],
    ['counts that are a number', seg({ format: 'rle', counts: 7, size: [4, 4] }), ['data', 'counts']],
    ['a negative run length', seg({ format: 'rle', counts: [1, -2, 17], size: [4, 4] }), ['data', 'counts', '1']],
    ['a fractional run length', seg({ format: 'rle', counts: [0.5, 15.5], size: [4, 4] }), ['data', 'counts']],
    ['run lengths that do not add up to height × width', seg({ format: 'rle', counts: [5, 3, 1], size: [4, 4] }), ['data', 'counts']],
    ['a compressed string with a character outside the alphabet', seg({ format: 'rle', counts: '...', size: [4, 4] }), ['data', 'counts']],
    ['a compressed string cut off in the middle of a count', seg({ format: 'rle', counts: 'a', size: [4, 4] }), ['data', 'counts']],
    ['a compressed string that decodes to a negative run', seg({ format: 'rle', counts: '152I', size: [2, 3] }), ['data', 'counts']],
    ['a compressed string that does not fill the size', seg({ format: 'rle', counts: '3:7:e1', size: [10, 11] }), ['data', 'counts']],
    ['no size', seg({ format: 'rle', counts: [0, 4] }), ['data', 'size']],
    ['a zero size', seg({ format: 'rle', counts: [0], size: [0, 4] }), ['data', 'size', '0']],
    ['an empty counts list', seg({ format: 'rle', counts: [], size: [1, 1] }), ['data', 'counts']],
    ['a negative bbox width', seg({ format: 'rle', counts: [0, 4], size: [2, 2], bbox: [0, 0, -1, 2] }), ['data', 'bbox', '2']],
    ['counts on a PNG segmentation', seg({ format: 'png', width: 4, height: 4, counts: [16] }, { storage_path: 'ml_outputs/x/m.png' }), ['data', 'counts']],
  ])('refuses %s with the field path, storing nothing', async (_what, item, path) => {
    await expectRefused([item], path)
  })

  it.each([
    ['uncompressed counts without bbox or area', { format: 'rle', counts: [5, 3, 1, 3, 1, 3, 8], size: [4, 6] }],
    ['compressed counts', { format: 'rle', counts: '3:7:e1', size: [10, 10], bbox: [0, 0, 10, 10], area: 27 }],
    ['pycocotools counts with a negative delta', { format: 'rle', counts: '61X13mN000`0', size: [9, 10] }],
    ['an empty mask', { format: 'rle', counts: [16], size: [4, 4], bbox: [0, 0, 0, 0], area: 0 }],
    ['a run that starts with ones', { format: 'rle', counts: [0, 16], size: [4, 4] }],
  ])('accepts %s', async (_what, data) => {
    const { analysis } = await scenario()
    const res = await bulk(analysis.id, [seg(data)])
    expect(res.status, await res.clone().text()).toBe(200)
    expect((await res.json<{ annotations: { data: unknown }[] }>()).annotations[0]!.data).toEqual(data)
  })

  it('still takes a PNG segmentation by width and height', async () => {
    const { analysis } = await scenario()
    const path = await uploadArtifact(analysis.id, 'road.png')
    expect((await bulk(analysis.id, [seg({ format: 'png', width: 1024, height: 768 }, { storage_path: path })])).status).toBe(200)
  })
})

describe('classification', () => {
  it('refuses an empty topk even when a score is given', async () => {
    await expectRefused([{ annotation_type: 'classification', class_name: 'cat', data: { topk: [], score: 0.5 } }], ['data', 'topk'])
  })

  it('accepts topk and score together', async () => {
    const { analysis } = await scenario()
    const data = { topk: [{ class: 'cat', confidence: 0.5 }], score: 0.5 }
    expect((await bulk(analysis.id, [{ annotation_type: 'classification', class_name: 'cat', data }])).status).toBe(200)
  })
})

describe('lone UTF-16 surrogates', () => {
  // JSON.stringify escapes a lone surrogate as \ud800, so the body is valid JSON that parses back to it.
  it.each([
    ['a data value', { annotation_type: 'custom', data: { label: '\ud800' } }, ['data', 'label']],
    ['a nested data value', { annotation_type: 'custom', data: { a: [{ b: 'ok', c: 'x\udc00' }] } }, ['data', 'a', '0', 'c']],
    ['a data key', { annotation_type: 'custom', data: { 'k\ud800': 1 } }, ['data']],
    ['class_name', { annotation_type: 'classification', class_name: 'x\udfffy', data: { score: 0.5 } }, ['class_name']],
    ['key', { annotation_type: 'classification', key: '\udbff', data: { score: 0.5 } }, ['key']],
    ['a keypoint name', { annotation_type: 'keypoint', data: { keypoints: [{ name: 'n\ud800', x: 1, y: 1 }] } }, ['data', 'keypoints', '0', 'name']],
  ])('in %s of a bulk item is 400 naming the field', async (_what, item, path) => {
    const error = await expectRefused([item], path)
    expect(error.message).toMatch(/surrogate/)
  })

  it.each([
    ['message', { ts: '2025-01-15T10:30:01.000Z', level: 'info', message: 'bad \ud800 byte' }, ['message']],
    ['stage', { ts: '2025-01-15T10:30:01.000Z', level: 'info', message: 'ok', stage: '\udc00' }, ['stage']],
  ])('in the %s of a log line is 400 naming the field', async (_what, line, path) => {
    const error = await expectRefused([line], path, 'lines')
    expect(error.message).toMatch(/surrogate/)
  })

  it('is fine as a proper pair: emoji are stored as sent', async () => {
    const { analysis } = await scenario()
    const res = await bulk(analysis.id, [{ annotation_type: 'custom', class_name: 'cat 😺', data: { note: '𝒳 and 😀' } }])
    expect(res.status).toBe(200)
    expect((await res.json<{ annotations: { class_name: string; data: unknown }[] }>()).annotations[0]).toMatchObject({ class_name: 'cat 😺', data: { note: '𝒳 and 😀' } })
  })

  it('never makes the content hash throw', async () => {
    const input = { annotation_type: 'custom', class_name: 'x\udfffy', data: { '\ud800': '\ud800' } } as unknown as AnnotationInput
    expect(annotationHash(input)).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('the size of one annotation', () => {
  // D1 stores at most 2,000,000 bytes in one row; local D1 does not enforce it, so without a bound
  // of our own a 2 MB box is stored here and is a 500 in production.
  const box = (note: string) => ({ annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1, note } })

  it('refuses data that serializes to more than 1 MiB, naming the limit', async () => {
    const error = await expectRefused([box('x'.repeat(1 << 20))], ['data'])
    expect(error.message).toMatch(/1048576 bytes/)
  })

  it('counts UTF-8 bytes, not characters', async () => {
    await expectRefused([box('é'.repeat(600_000))], ['data'])
  })

  it('takes data just under the limit', async () => {
    const { analysis } = await scenario()
    const res = await bulk(analysis.id, [box('x'.repeat((1 << 20) - 200))])
    expect(res.status, (await res.clone().text()).slice(0, 200)).toBe(200)
  })
})
