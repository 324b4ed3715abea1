import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { addMember, api, createAnalysis, createProject, createUser, signed, uploadImage, type TestUser } from './helpers'

/**
 * Review at the scale of a project, against D1 in workerd: two versions of a detector (`det@1`
 * and `det@2`) over four images with known disagreements, paired project-wide; the review queue in
 * both orders; bulk accept and its undo.
 *
 * - a.png: dog (A, .9) and wolf (B, .8) at one spot (a class change), a person both found
 *   (A .55, B .95), a cat only A found (.25), a bird only B found (.6).
 * - b.png: a person both found (.75 / .7), a polygon both drew (A .6), keypoints both placed
 *   (A .95), and a scene label: A `indoor` (.9), B `outdoor` (.8).
 * - c.png: a car only A found (.48); B found nothing.
 * - d.png: only A ran here (a box at .5), so it is in no comparison.
 */
let owner: TestUser
let editor: TestUser
let viewer: TestUser
let outsider: TestUser
let projectId: string
const image: Record<string, string> = {}
const analysis: Record<string, string> = {}
/** Annotation ids by `${version}:${image}:${label}`. */
const ann: Record<string, string> = {}

const box = (class_name: string, confidence: number, x: number, y: number, w: number, h: number) => ({
  annotation_type: 'bounding_box',
  class_name,
  confidence,
  data: { x_min: x, y_min: y, x_max: x + w, y_max: y + h },
})
const polygon = (confidence: number, dx = 0) => ({
  annotation_type: 'polygon',
  class_name: 'roof',
  confidence,
  data: { points: [[1000 + dx, 1000], [1400 + dx, 1000], [1400 + dx, 1300], [1000 + dx, 1300]] },
})
const pose = (confidence: number, dx = 0) => ({
  annotation_type: 'keypoint',
  class_name: 'person',
  confidence,
  data: { keypoints: ['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder'].map((name, i) => ({ name, x: 2000 + i * 60 + dx, y: 2000 + (i % 3) * 80 })) },
})
const label = (class_name: string, confidence: number) => ({ annotation_type: 'classification', class_name, confidence, data: { score: confidence } })

async function analyse(version: '1' | '2', file: string, annotations: Record<string, unknown>[], labels: string[]) {
  const a = await createAnalysis(owner, image[file]!, { model_name: 'det', model_version: version })
  await signed('PATCH', `/api/analyses/${a.id}/status`, { status: 'processing' })
  if (annotations.length) expect((await signed('POST', `/api/analyses/${a.id}/annotations:bulk`, { annotations })).status).toBe(200)
  expect((await signed('POST', `/api/analyses/${a.id}/finalize`, { status: 'completed' })).status).toBe(200)
  analysis[`${version}:${file}`] = a.id
  const { annotations: rows } = await (await api(`/api/analyses/${a.id}/annotations`, { token: owner.token })).json<{ annotations: { id: string }[] }>()
  rows.forEach((r, i) => (ann[`${version}:${file}:${labels[i]}`] = r.id))
}

const get = async <T>(path: string, token = owner.token) => {
  const res = await api(path, { token })
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json<T>()
}
const post = (path: string, json: unknown, token = editor.token) => api(path, { method: 'POST', token, json })
const review = (id: string, state: string, token = editor.token) => api(`/api/annotations/${id}/review`, { method: 'PATCH', token, json: { state } })
const stateOf = async (id: string) => (await env.DB.prepare('SELECT review_state FROM annotations WHERE id = ?').bind(id).first<{ review_state: string }>())!.review_state

beforeAll(async () => {
  owner = await createUser('owner')
  editor = await createUser('editor')
  viewer = await createUser('viewer')
  outsider = await createUser('outsider')
  projectId = (await createProject(owner, 'Two versions')).id
  await addMember(owner, projectId, editor, 'editor')
  await addMember(owner, projectId, viewer, 'viewer')
  for (const f of ['a.png', 'b.png', 'c.png', 'd.png']) image[f] = (await uploadImage(owner, projectId, undefined, f)).id

  await analyse('1', 'a.png', [box('dog', 0.9, 100, 100, 200, 200), box('person', 0.55, 500, 500, 200, 400), box('cat', 0.25, 1000, 1000, 100, 100)], ['dog', 'person', 'cat'])
  await analyse('2', 'a.png', [box('wolf', 0.8, 105, 100, 195, 205), box('person', 0.95, 500, 500, 200, 400), box('bird', 0.6, 2000, 2000, 100, 100)], ['wolf', 'person', 'bird'])
  await analyse('1', 'b.png', [box('person', 0.75, 0, 0, 100, 100), polygon(0.6), pose(0.95), label('indoor', 0.9)], ['person', 'roof', 'pose', 'scene'])
  await analyse('2', 'b.png', [box('person', 0.7, 0, 0, 100, 100), polygon(0.7, 10), pose(0.9, 0.5), label('outdoor', 0.8)], ['person', 'roof', 'pose', 'scene'])
  await analyse('1', 'c.png', [box('car', 0.48, 300, 300, 50, 50)], ['car'])
  await analyse('2', 'c.png', [], [])
  await analyse('1', 'd.png', [box('tree', 0.5, 10, 10, 40, 40)], ['tree'])
})

interface Comparison {
  totals: Record<string, number>
  by_type: Record<string, Record<string, number>>
  class_changes: { a_class: string; b_class: string; count: number }[]
  images: { image_id: string; filename: string; disagreement: number; a_analysis_id: string; b_analysis_id: string; matched: number }[]
  total_images: number
  pairs?: { outcome: string; annotation_type: string; a_id: string | null; b_id: string | null; a_class: string | null; b_class: string | null; iou: number | null }[]
}

describe('GET /api/projects/{id}/compare', () => {
  it('pairs the two versions over the images both analysed, a class change counted once', async () => {
    const c = await get<Comparison>(`/api/projects/${projectId}/compare?a=det@1&b=det@2`)
    expect(c.totals).toEqual({ matched: 4, only_a: 2, only_b: 1, class_changed: 2 })
    expect(c.by_type).toEqual({
      bounding_box: { matched: 2, only_a: 2, only_b: 1, class_changed: 1 },
      segmentation: { matched: 1, only_a: 0, only_b: 0, class_changed: 0 },
      keypoint: { matched: 1, only_a: 0, only_b: 0, class_changed: 0 },
      classification: { matched: 0, only_a: 0, only_b: 0, class_changed: 1 },
    })
    expect(c.class_changes).toEqual([
      { a_class: 'dog', b_class: 'wolf', count: 1 },
      { a_class: 'indoor', b_class: 'outdoor', count: 1 },
    ])
    // a.png disagrees on three objects; b.png and c.png on one each, in file-name order.
    expect(c.images.map((i) => [i.filename, i.disagreement])).toEqual([
      ['a.png', 3],
      ['b.png', 1],
      ['c.png', 1],
    ])
    expect(c.total_images).toBe(3)
    expect(c.images[0]).toMatchObject({ a_analysis_id: analysis['1:a.png'], b_analysis_id: analysis['2:a.png'] })
  })

  it('lists one image’s pairs by annotation, with their IoU', async () => {
    const c = await get<Comparison>(`/api/projects/${projectId}/compare?a=det@1&b=det@2&image_id=${image['a.png']}`)
    const byOutcome = Object.fromEntries(['matched', 'only_a', 'only_b', 'class_changed'].map((o) => [o, c.pairs!.filter((p) => p.outcome === o)]))
    expect(byOutcome.class_changed).toEqual([
      { outcome: 'class_changed', annotation_type: 'bounding_box', a_id: ann['1:a.png:dog'], b_id: ann['2:a.png:wolf'], a_class: 'dog', b_class: 'wolf', iou: expect.closeTo((195 * 200) / (200 * 200 + 195 * 205 - 195 * 200), 9) },
    ])
    expect(byOutcome.matched).toEqual([expect.objectContaining({ a_id: ann['1:a.png:person'], b_id: ann['2:a.png:person'], iou: 1 })])
    expect(byOutcome.only_a).toEqual([expect.objectContaining({ a_id: ann['1:a.png:cat'], b_id: null })])
    expect(byOutcome.only_b).toEqual([expect.objectContaining({ a_id: null, b_id: ann['2:a.png:bird'] })])
  })

  it('holds a stricter IoU against the class change', async () => {
    const c = await get<Comparison>(`/api/projects/${projectId}/compare?a=det@1&b=det@2&iou=0.99`)
    // The dog and the wolf overlap by about .95, the polygons too: at .99 each side is alone. The
    // persons are identical and the poses half a pixel apart (OKS above .99); labels have no IoU.
    expect(c.totals).toEqual({ matched: 3, only_a: 4, only_b: 3, class_changed: 1 })
  })

  it('pages the images and refuses what it cannot answer with the error envelope', async () => {
    const page = await get<Comparison>(`/api/projects/${projectId}/compare?a=det@1&b=det@2&skip=1&limit=1`)
    expect(page.images.map((i) => i.filename)).toEqual(['b.png'])
    expect(page.total_images).toBe(3)
    const notBoth = await api(`/api/projects/${projectId}/compare?a=det@1&b=det@2&image_id=${image['d.png']}`, { token: owner.token })
    expect(notBoth.status).toBe(404)
    const bad = await api(`/api/projects/${projectId}/compare?a=det&b=det@2`, { token: owner.token })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'validation_error' } })
    expect((await api(`/api/projects/${projectId}/compare?a=det@1&b=det@2`, { token: outsider.token })).status).toBe(404)
  })
})

interface Queue {
  items: { image_id: string; filename: string; analysis_id: string; priority: number; unreviewed: number; uncertain: number; disagreements: number | null }[]
  total: number
}

describe('GET /api/projects/{id}/review-queue', () => {
  it('puts first the images whose unreviewed predictions are scored closest to the threshold', async () => {
    const q = await get<Queue>(`/api/projects/${projectId}/review-queue?model=det@1&threshold=0.5&margin=0.2`)
    // d: .5 at the threshold (1); c: .48 (.9); a: .55 (.75); b: the polygon's .6 (.5).
    expect(q.items.map((i) => [i.filename, i.uncertain])).toEqual([
      ['d.png', 1],
      ['c.png', 1],
      ['a.png', 1],
      ['b.png', 1],
    ])
    expect(q.items.map((i) => i.priority)).toEqual([1, expect.closeTo(0.9, 9), expect.closeTo(0.75, 9), expect.closeTo(0.5, 9)])
    expect(q.items[2]).toMatchObject({ analysis_id: analysis['1:a.png'], unreviewed: 3, disagreements: null })
    expect(q.total).toBe(4)
    const second = await get<Queue>(`/api/projects/${projectId}/review-queue?model=det@1&threshold=0.5&margin=0.2&skip=1&limit=2`)
    expect(second.items.map((i) => i.filename)).toEqual(['c.png', 'a.png'])
    expect(second.total).toBe(4)
  })

  it('puts first the images where two versions disagree on the most objects nobody has judged', async () => {
    const url = `/api/projects/${projectId}/review-queue?model=det@1&order=disagreement&against=det@2`
    const q = await get<Queue>(url)
    // b and c disagree once each; c's car is the closer call, so it goes first.
    expect(q.items.map((i) => [i.filename, i.disagreements])).toEqual([
      ['a.png', 3],
      ['c.png', 1],
      ['b.png', 1],
    ])
    // Judging the cat settles one of a.png's disagreements, judging the scene label all of b.png's.
    expect((await review(ann['1:a.png:cat']!, 'rejected')).status).toBe(200)
    expect((await review(ann['2:b.png:scene']!, 'accepted')).status).toBe(200)
    const after = await get<Queue>(url)
    expect(after.items.map((i) => [i.filename, i.disagreements])).toEqual([
      ['a.png', 2],
      ['c.png', 1],
    ])
    await review(ann['1:a.png:cat']!, 'unreviewed')
    await review(ann['2:b.png:scene']!, 'unreviewed')
  })

  it('leaves out images marked reviewed and images with nothing left to review', async () => {
    const mark = await api(`/api/images/${image['d.png']}/review-mark`, { method: 'PUT', token: editor.token, json: { state: 'complete' } })
    expect(mark.status).toBe(200)
    expect((await review(ann['1:c.png:car']!, 'accepted')).status).toBe(200)
    const q = await get<Queue>(`/api/projects/${projectId}/review-queue?model=det@1&threshold=0.5&margin=0.2`)
    expect(q.items.map((i) => i.filename)).toEqual(['a.png', 'b.png'])
    await review(ann['1:c.png:car']!, 'unreviewed')
    await api(`/api/images/${image['d.png']}/review-mark`, { method: 'DELETE', token: editor.token })
  })

  it('needs a second version for the disagreement order, and another one', async () => {
    for (const query of ['order=disagreement', 'order=disagreement&against=det@1', 'order=nearest', 'threshold=2']) {
      const res = await api(`/api/projects/${projectId}/review-queue?model=det@1&${query}`, { token: owner.token })
      expect(res.status, query).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'validation_error' } })
    }
  })
})

describe('bulk review', () => {
  const bulk = (json: unknown, token = editor.token) => post(`/api/projects/${projectId}/reviews/bulk`, json, token)
  const batches = async () => (await env.DB.prepare('SELECT count(*) AS n FROM review_batches').first<{ n: number }>())!.n

  it('accepts every prediction of the version at or above the confidence, and undo puts them back', async () => {
    const res = await bulk({ model_name: 'det', model_version: '1', min_confidence: 0.5, note: 'sure enough' })
    expect(res.status, await res.clone().text()).toBe(200)
    const done = await res.json<{ undo_token: string; accepted: number; analyses: number }>()
    // a: dog, person; b: person, roof, pose, scene; d: tree (.5 counts). Not c's car at .48, not the cat.
    expect(done).toMatchObject({ accepted: 7, analyses: 3 })
    const accepted = ['1:a.png:dog', '1:a.png:person', '1:b.png:person', '1:b.png:roof', '1:b.png:pose', '1:b.png:scene', '1:d.png:tree']
    for (const key of accepted) expect(await stateOf(ann[key]!), key).toBe('accepted')
    for (const key of ['1:a.png:cat', '1:c.png:car', '2:a.png:wolf', '2:a.png:person']) expect(await stateOf(ann[key]!), key).toBe('unreviewed')
    const row = await env.DB.prepare('SELECT reviewed_by_id, review_note FROM annotations WHERE id = ?').bind(ann['1:a.png:dog']).first()
    expect(row).toEqual({ reviewed_by_id: editor.id, review_note: 'sure enough' })

    // A person overrules one of them; undo keeps that decision and puts the rest back.
    expect((await review(ann['1:a.png:dog']!, 'rejected', owner.token)).status).toBe(200)
    const undo = await post(`/api/projects/${projectId}/reviews/undo`, { undo_token: done.undo_token })
    expect(undo.status).toBe(200)
    expect(await undo.json()).toEqual({ restored: 6, skipped: 1 })
    expect(await stateOf(ann['1:a.png:dog']!)).toBe('rejected')
    for (const key of accepted.slice(1)) expect(await stateOf(ann[key]!), key).toBe('unreviewed')
    const restored = await env.DB.prepare('SELECT reviewed_by_id, review_note, reviewed_at FROM annotations WHERE id = ?').bind(ann['1:b.png:roof']).first()
    expect(restored).toEqual({ reviewed_by_id: null, review_note: null, reviewed_at: null })

    const again = await post(`/api/projects/${projectId}/reviews/undo`, { undo_token: done.undo_token })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ error: { code: 'conflict' } })
    const { batches: list } = await get<{ batches: { undo_token: string; accepted: number; undone_at: string | null; filter: Record<string, unknown> }[] }>(`/api/projects/${projectId}/reviews/bulk`, viewer.token)
    expect(list[0]).toMatchObject({ undo_token: done.undo_token, accepted: 7, undone_at: expect.any(String), filter: { model_name: 'det', min_confidence: 0.5 } })
    await review(ann['1:a.png:dog']!, 'unreviewed', owner.token)
  })

  it('narrows to a class and annotation types, and leaves rejected predictions unless told', async () => {
    expect((await review(ann['1:b.png:person']!, 'rejected')).status).toBe(200)
    const persons = await (await bulk({ model_name: 'det', model_version: '1', min_confidence: 0, class_name: 'person', annotation_types: ['bounding_box'] })).json<{ accepted: number; undo_token: string }>()
    // a.png's person box; b.png's is rejected and its pose is a keypoint.
    expect(persons.accepted).toBe(1)
    expect(await stateOf(ann['1:b.png:person']!)).toBe('rejected')
    const overrule = await (await bulk({ model_name: 'det', model_version: '1', min_confidence: 0, class_name: 'person', include_reviewed: true })).json<{ accepted: number; undo_token: string }>()
    expect(overrule.accepted).toBe(2)
    expect(await stateOf(ann['1:b.png:person']!)).toBe('accepted')
    expect(await (await post(`/api/projects/${projectId}/reviews/undo`, { undo_token: overrule.undo_token })).json()).toEqual({ restored: 2, skipped: 0 })
    expect(await stateOf(ann['1:b.png:person']!)).toBe('rejected')
    expect(await stateOf(ann['1:b.png:pose']!)).toBe('unreviewed')
    await post(`/api/projects/${projectId}/reviews/undo`, { undo_token: persons.undo_token })
    await review(ann['1:b.png:person']!, 'unreviewed')
  })

  it('is for editors and owners, and writes nothing for bad input', async () => {
    const before = await batches()
    const ok = { model_name: 'det', model_version: '1', min_confidence: 0.5 }
    expect((await bulk(ok, viewer.token)).status).toBe(403)
    expect((await bulk(ok, outsider.token)).status).toBe(404)
    for (const body of [{ ...ok, min_confidence: 2 }, { ...ok, annotation_types: ['sketch'] }, { model_name: 'det', min_confidence: 0.5 }]) {
      const res = await bulk(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'validation_error' } })
    }
    expect(await batches()).toBe(before)
    expect(await stateOf(ann['1:a.png:dog']!)).toBe('unreviewed')
    const unknown = await post(`/api/projects/${projectId}/reviews/undo`, { undo_token: crypto.randomUUID() })
    expect(unknown.status).toBe(404)
    expect((await post(`/api/projects/${projectId}/reviews/undo`, { undo_token: 'nope' })).status).toBe(400)
  })
})
