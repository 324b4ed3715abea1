import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { addMember, api, createProject, createUser, sha256Of, uploadImage } from './helpers'

async function project(images: string[]) {
  const owner = await createUser('gt-owner')
  const p = await createProject(owner, 'Ground truth')
  const ids: Record<string, string> = {}
  for (const name of images) ids[name] = (await uploadImage(owner, p.id, undefined, name)).id
  return { owner, projectId: p.id, ids }
}

const post = (projectId: string, token: string, body: string, query = '') =>
  api(`/api/projects/${projectId}/ground-truth${query}`, { method: 'POST', token, body, headers: { 'Content-Type': 'application/json' } })

const RLE = { size: [4, 5], counts: [2, 3, 5, 4, 6] }

const FILE = {
  info: { description: 'hand made' },
  images: [
    { id: 7, file_name: 'photos/a.png', width: 5, height: 4 },
    { id: 8, file_name: 'b.png', width: 640, height: 480 },
    { id: 9, file_name: 'missing.png', width: 10, height: 10 },
  ],
  annotations: [
    { id: 1, image_id: 7, category_id: 3, bbox: [1, 1, 2, 2], area: 4, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 4, segmentation: RLE, iscrowd: 1 },
    { id: 3, image_id: 8, category_id: 3, segmentation: [[10, 10, 50, 10, 50, 40, 10, 40]], iscrowd: 0 },
    { id: 4, image_id: 8, category_id: 5, keypoints: [100, 100, 2, 0, 0, 0, 120, 140, 1], num_keypoints: 2 },
    { id: 5, image_id: 9, category_id: 3, bbox: [0, 0, 1, 1], area: 1 },
    { id: 6, image_id: 8, category_id: 99, bbox: [0, 0, 1, 1], area: 1 },
  ],
  categories: [
    { id: 3, name: 'dog' },
    { id: 4, name: 'crowd' },
    { id: 5, name: 'person', keypoints: ['nose', 'left_eye', 'right_eye'], skeleton: [[1, 2]] },
  ],
}

describe('ground-truth import', () => {
  it('matches images by file name and categories by name, keeps every geometry, and records provenance', async () => {
    const { owner, projectId, ids } = await project(['a.png', 'b.png', 'other.png'])
    const body = JSON.stringify(FILE)
    const res = await post(projectId, owner.token, body, '?name=val.json')
    expect(res.status, await res.clone().text()).toBe(201)
    const imported = await res.json<Record<string, any>>()
    expect(imported).toMatchObject({
      project_id: projectId,
      name: 'val.json',
      status: 'complete',
      created_by_id: owner.id,
      file_bytes: new TextEncoder().encode(body).byteLength,
      file_sha256: await sha256Of(new TextEncoder().encode(body)),
      counts: { images: 3, matched_images: 2, unmatched_images: 1, objects: 4, skipped_objects: 2, categories: 3 },
      unmatched_file_names: ['missing.png'],
    })
    expect(imported.categories.map((c: { name: string }) => c.name)).toEqual(['dog', 'crowd', 'person'])

    const a = await (await api(`/api/images/${ids['a.png']}/ground-truth`, { token: owner.token })).json<Record<string, any>>()
    expect(a.import.id).toBe(imported.id)
    expect(a.objects).toHaveLength(2)
    expect(a.objects[0]).toMatchObject({ coco_id: '1', class_name: 'dog', bbox: [1, 1, 2, 2], area: 4, iscrowd: false, segmentation: null })
    // Box and area derived from the RLE when the file leaves them out.
    expect(a.objects[1]).toMatchObject({ class_name: 'crowd', iscrowd: true, segmentation: RLE, area: 7 })
    expect(a.objects[1].bbox).toEqual([0, 0, 4, 4])

    const b = await (await api(`/api/images/${ids['b.png']}/ground-truth`, { token: owner.token })).json<Record<string, any>>()
    const [poly, kp] = b.objects
    expect(poly).toMatchObject({ class_name: 'dog', bbox: [10, 10, 40, 30], area: 1200 })
    expect(kp).toMatchObject({ class_name: 'person', keypoints: [100, 100, 2, 0, 0, 0, 120, 140, 1], num_keypoints: 2, bbox: [100, 100, 20, 40] })

    const list = await (await api(`/api/projects/${projectId}/ground-truth`, { token: owner.token })).json<{ total: number; imports: { id: string }[] }>()
    expect(list.total).toBe(1)
    const one = await api(`/api/projects/${projectId}/ground-truth/${imported.id}`, { token: owner.token })
    expect((await one.json<{ id: string }>()).id).toBe(imported.id)
  })

  it('reads a file whose annotations come before its images and categories', async () => {
    const { owner, projectId, ids } = await project(['a.png', 'b.png'])
    const reordered = JSON.stringify({ annotations: FILE.annotations, categories: FILE.categories, images: FILE.images })
    const res = await post(projectId, owner.token, reordered)
    expect(res.status, await res.clone().text()).toBe(201)
    expect((await res.json<Record<string, any>>()).counts).toMatchObject({ objects: 4, skipped_objects: 2 })
    const b = await (await api(`/api/images/${ids['b.png']}/ground-truth`, { token: owner.token })).json<{ objects: unknown[] }>()
    expect(b.objects).toHaveLength(2)
  })

  it('refuses a file with one bad annotation whole, naming it, and stores nothing', async () => {
    const { owner, projectId } = await project(['a.png'])
    const bad = structuredClone(FILE)
    bad.annotations.push({ id: 77, image_id: 7, category_id: 3, bbox: [0, 0, -1, 2], area: 1 } as never)
    const res = await post(projectId, owner.token, JSON.stringify(bad))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'validation_error', message: expect.stringMatching(/^annotations\.6\.bbox/) } })
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM ground_truth_imports WHERE project_id = ?').bind(projectId).first<{ n: number }>()
    expect(rows!.n).toBe(0)
  })

  it('refuses a corrupt RLE, broken JSON and trailing garbage with 400', async () => {
    const { owner, projectId } = await project(['a.png'])
    const corrupt = structuredClone(FILE)
    corrupt.annotations[1]!.segmentation = { size: [4, 5], counts: [2, 3] } as never
    const r1 = await post(projectId, owner.token, JSON.stringify(corrupt))
    expect(r1.status).toBe(400)
    expect(await r1.json()).toMatchObject({ error: { code: 'validation_error', message: expect.stringContaining('annotations.1.segmentation') } })
    const r2 = await post(projectId, owner.token, JSON.stringify(FILE).slice(0, 200))
    expect(r2.status).toBe(400)
    expect(await r2.json()).toMatchObject({ error: { code: 'invalid_json' } })
    const r3 = await post(projectId, owner.token, JSON.stringify(FILE) + ' {"x":1}')
    expect(r3.status).toBe(400)
    const r4 = await post(projectId, owner.token, '[]')
    expect(r4.status).toBe(400)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM ground_truth g JOIN ground_truth_imports i ON i.id = g.import_id WHERE i.project_id = ?').bind(projectId).first()).toEqual({ n: 0 })
  })

  it('refuses a body declared larger than the limit before reading it, and a body that is not JSON', async () => {
    const { owner, projectId } = await project(['a.png'])
    const big = await api(`/api/projects/${projectId}/ground-truth`, {
      method: 'POST',
      token: owner.token,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(101 * 1024 * 1024) },
      body: '{}',
    })
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } })
    const text = await api(`/api/projects/${projectId}/ground-truth`, { method: 'POST', token: owner.token, headers: { 'Content-Type': 'text/plain' }, body: '{}' })
    expect(text.status).toBe(415)
  })

  it('imports 6,000 objects within D1 limits and pages them back per image', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `img_${i}.png`)
    const { owner, projectId, ids } = await project(names)
    const annotations = Array.from({ length: 6000 }, (_, i) => ({
      id: i + 1,
      image_id: (i % 30) + 1,
      category_id: (i % 3) + 1,
      bbox: [i % 50, i % 40, 10 + (i % 7), 12],
      area: (10 + (i % 7)) * 12,
      segmentation: [[0, 0, 10, 0, 10, 10, 0, 10]],
      iscrowd: 0,
    }))
    const file = { images: names.map((file_name, i) => ({ id: i + 1, file_name, width: 100, height: 100 })), annotations, categories: [1, 2, 3].map((id) => ({ id, name: `c${id}` })) }
    const res = await post(projectId, owner.token, JSON.stringify(file))
    expect(res.status, await res.clone().text()).toBe(201)
    expect((await res.json<Record<string, any>>()).counts).toMatchObject({ objects: 6000, matched_images: 30, skipped_objects: 0 })
    const img = await (await api(`/api/images/${ids['img_4.png']}/ground-truth`, { token: owner.token })).json<{ objects: { coco_id: string }[] }>()
    expect(img.objects).toHaveLength(200)
    expect(img.objects[0]!.coco_id).toBe('5')
  }, 60_000)

  it('deletes an import with its objects; viewers may read but not import or delete', async () => {
    const { owner, projectId, ids } = await project(['a.png', 'b.png'])
    const viewer = await createUser('gt-viewer')
    await addMember(owner, projectId, viewer, 'viewer')
    expect((await post(projectId, viewer.token, JSON.stringify(FILE))).status).toBe(403)
    const imported = await (await post(projectId, owner.token, JSON.stringify(FILE))).json<{ id: string }>()
    expect((await api(`/api/images/${ids['a.png']}/ground-truth`, { token: viewer.token })).status).toBe(200)
    expect((await api(`/api/projects/${projectId}/ground-truth/${imported.id}`, { method: 'DELETE', token: viewer.token })).status).toBe(403)
    expect((await api(`/api/projects/${projectId}/ground-truth/${imported.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect(await env.DB.prepare('SELECT count(*) AS n FROM ground_truth WHERE import_id = ?').bind(imported.id).first()).toEqual({ n: 0 })
    const after = await (await api(`/api/images/${ids['a.png']}/ground-truth`, { token: owner.token })).json<{ import: unknown; objects: unknown[] }>()
    expect(after).toMatchObject({ import: null, objects: [] })
  })
})

describe('review marks', () => {
  it('marks an image reviewed and empty, reads the mark back with its ground truth, and clears it', async () => {
    const { owner, projectId, ids } = await project(['a.png'])
    const editor = await createUser('gt-editor')
    const viewer = await createUser('gt-viewer')
    await addMember(owner, projectId, editor, 'editor')
    await addMember(owner, projectId, viewer, 'viewer')
    const path = `/api/images/${ids['a.png']}/review-mark`
    expect((await api(path, { token: owner.token })).status).toBe(404)
    expect((await api(path, { method: 'PUT', token: viewer.token, json: { state: 'empty' } })).status).toBe(403)
    expect((await api(path, { method: 'PUT', token: editor.token, json: { state: 'nothing' } })).status).toBe(400)
    const put = await api(path, { method: 'PUT', token: editor.token, json: { state: 'empty', note: 'checked twice' } })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({ image_id: ids['a.png'], state: 'empty', note: 'checked twice', reviewed_by_id: editor.id })
    const gt = await (await api(`/api/images/${ids['a.png']}/ground-truth`, { token: viewer.token })).json<Record<string, any>>()
    expect(gt.review_mark).toMatchObject({ state: 'empty' })
    expect((await api(path, { method: 'PUT', token: owner.token, json: { state: 'complete' } })).status).toBe(200)
    expect(await (await api(path, { token: viewer.token })).json()).toMatchObject({ state: 'complete', reviewed_by_id: owner.id })
    expect((await api(path, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(path, { token: owner.token })).status).toBe(404)
  })
})
