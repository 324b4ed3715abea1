import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addMember,
  api,
  createAnalysis,
  createProject,
  createUser,
  fetchWithEnv,
  request,
  scenario,
  signed,
  signedRequest,
  uploadArtifact,
  uploadImage,
  type TestUser,
} from './helpers'

interface Analysis {
  id: string
  image_id: string
  model_name: string
  model_version: string
  status: string
  version: number
  created_at: string
  annotation_count: number
  [key: string]: unknown
}

interface Annotation {
  id: string
  annotation_type: string
  class_name: string | null
  confidence: number | null
  ordering: number | null
}

interface Envelope {
  error: { code: string; message: string; details: Record<string, unknown> | null }
}

async function imageOf(owner: TestUser) {
  const project = await createProject(owner)
  return uploadImage(owner, project.id)
}

const create = (token: string, imageId: string, body: Record<string, unknown>) =>
  api(`/api/images/${imageId}/analyses`, { method: 'POST', token, json: { model_name: 'yolo_v8', model_version: '1.0.0', ...body } })

describe('create', () => {
  it('answers 201 with the guide’s response shape, including "annotations": []', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const request = {
      image_id: image.id,
      model_name: 'yolo_v8',
      model_version: '1.0.0',
      parameters: { confidence_threshold: 0.5, iou_threshold: 0.4, max_detections: 100 },
      provenance: { git_commit: 'abc123', docker_image: 'myorg/yolo:v8-20250101', training_dataset: 'coco2017' },
    }
    const res = await api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: request })
    expect(res.status).toBe(201)
    const body = await res.json<Analysis>()
    expect(body).toMatchObject({
      image_id: image.id,
      model_name: 'yolo_v8',
      model_version: '1.0.0',
      status: 'queued',
      parameters: request.parameters,
      provenance: request.provenance,
      requested_by_id: owner.id,
      annotations: [],
    })
    expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at)
    const audit = await env.DB.prepare(`SELECT actor_type, actor_id FROM audit_log WHERE action = 'analysis.created' AND target_id = ?`).bind(body.id).first()
    expect(audit).toEqual({ actor_type: 'user', actor_id: owner.id })
  })

  it('accepts priority and group_id', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const res = await create(owner.token, image.id, { priority: 5, group_id: 'sweep-1' })
    expect(await res.json()).toMatchObject({ priority: 5, group_id: 'sweep-1' })
  })

  it('rejects an image_id in the body that differs from the path', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const res = await create(owner.token, image.id, { image_id: crypto.randomUUID() })
    expect(res.status).toBe(400)
  })

  it.each([
    ['model_name', { model_name: '' }],
    ['model_version', { model_version: undefined }],
    ['parameters', { parameters: [1, 2] }],
  ])('rejects a bad %s', async (field, body) => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const res = await create(owner.token, image.id, body)
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.message.startsWith(`${field}: `)).toBe(true)
  })

  it('answers 404 for an image that does not exist', async () => {
    const owner = await createUser()
    expect((await create(owner.token, crypto.randomUUID(), {})).status).toBe(404)
  })
})

describe('external_job_id', () => {
  it('returns the existing analysis with 200 on a repeated create', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const job = `job-${crypto.randomUUID()}`
    const first = await create(owner.token, image.id, { external_job_id: job })
    expect(first.status).toBe(201)
    const again = await create(owner.token, image.id, { external_job_id: job, model_version: '2.0.0' })
    expect(again.status).toBe(200)
    const [a, b] = [await first.json<Analysis>(), await again.json<Analysis>()]
    expect(b).toMatchObject({ id: a.id, model_version: '1.0.0', annotations: [] })
    const list = await (await api(`/api/images/${image.id}/analyses`, { token: owner.token })).json<{ total: number }>()
    expect(list.total).toBe(1)
  })

  it('creates exactly one analysis for ten concurrent creates with one job id', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const job = `job-${crypto.randomUUID()}`
    const responses = await Promise.all(Array.from({ length: 10 }, () => create(owner.token, image.id, { external_job_id: job })))
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201])
    const ids = new Set(await Promise.all(responses.map(async (r) => (await r.json<Analysis>()).id)))
    expect(ids.size).toBe(1)
  })

  it('refuses a job id that belongs to another image', async () => {
    const owner = await createUser()
    const project = await createProject(owner)
    const a = await uploadImage(owner, project.id)
    const b = await uploadImage(owner, project.id)
    const job = `job-${crypto.randomUUID()}`
    expect((await create(owner.token, a.id, { external_job_id: job })).status).toBe(201)
    expect((await create(owner.token, b.id, { external_job_id: job })).status).toBe(409)
  })
})

describe('configuration', () => {
  it('answers 404 on every ML endpoint when ML_ANALYSIS_ENABLED=false', async () => {
    const { owner, project, image, analysis } = await scenario()
    const artifact = await uploadArtifact(analysis.id)
    const off = { ML_ANALYSIS_ENABLED: 'false' }
    const id = analysis.id
    const calls: [string, () => Promise<Request>][] = [
      ['create', async () => request(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: '1' } })],
      ['list', async () => request(`/api/images/${image.id}/analyses`, { token: owner.token })],
      ['get', async () => request(`/api/analyses/${id}`, { token: owner.token })],
      ['annotations', async () => request(`/api/analyses/${id}/annotations`, { token: owner.token })],
      ['cancel', async () => request(`/api/analyses/${id}/cancel`, { method: 'POST', token: owner.token })],
      ['download', async () => request(`/api/ml/artifacts/download?storage_path=${encodeURIComponent(artifact)}`, { token: owner.token })],
      ['logs', async () => request(`/api/analyses/${id}/logs`, { token: owner.token })],
      ['export', async () => request(`/api/analyses/${id}/export`, { token: owner.token })],
      ['bundle', async () => request(`/api/analyses/${id}/bundle`, { token: owner.token })],
      ['project export', async () => request(`/api/projects/${project.id}/export`, { token: owner.token })],
      ['live', async () => request(`/api/analyses/${id}/live`, { token: owner.token, headers: { Upgrade: 'websocket' } })],
      ['review', async () => request(`/api/annotations/${crypto.randomUUID()}/review`, { method: 'PATCH', token: owner.token, json: { state: 'accepted' } })],
      ['create (anonymous)', async () => request(`/api/images/${image.id}/analyses`, { method: 'POST', json: {} })],
      ['status', () => signedRequest('PATCH', `/api/analyses/${id}/status`, { status: 'processing' })],
      ['progress', () => signedRequest('POST', `/api/analyses/${id}/progress`, { progress: 0.5 })],
      ['presign', () => signedRequest('POST', `/api/analyses/${id}/artifacts/presign`, { artifact_type: 'log', filename: 'a.log' })],
      ['bulk', () => signedRequest('POST', `/api/analyses/${id}/annotations:bulk`, { annotations: [] })],
      ['finalize', () => signedRequest('POST', `/api/analyses/${id}/finalize`, { status: 'completed' })],
      ['append logs', () => signedRequest('POST', `/api/analyses/${id}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'hi' }] })],
      ['status (unsigned)', async () => request(`/api/analyses/${id}/status`, { method: 'PATCH', json: { status: 'processing' } })],
    ]
    for (const [name, build] of calls) {
      const res = await fetchWithEnv(await build(), off)
      expect(res.status, name).toBe(404)
      expect((await res.json<Envelope>()).error.code, name).toBe('not_found')
    }
    // Nothing moved, and the rest of the app still works.
    expect(await env.DB.prepare('SELECT status, version FROM analyses WHERE id = ?').bind(id).first()).toEqual({ status: 'queued', version: 0 })
    expect((await fetchWithEnv(request('/api/projects', { token: owner.token }), off)).status).toBe(200)
  })

  it('rejects a model outside ML_ALLOWED_MODELS with 400 naming the allowed models', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const allow = { ML_ALLOWED_MODELS: 'yolo_v8,resnet50_classifier' }
    const refused = await fetchWithEnv(
      request(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'custom_model', model_version: '1' } }),
      allow,
    )
    expect(refused.status).toBe(400)
    const { error } = await refused.json<Envelope>()
    expect(error.code).toBe('model_not_allowed')
    expect(error.message).toContain('yolo_v8, resnet50_classifier')
    expect(error.details).toEqual({ allowed_models: ['yolo_v8', 'resnet50_classifier'] })
    const allowed = await fetchWithEnv(
      request(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'resnet50_classifier', model_version: '1' } }),
      allow,
    )
    expect(allowed.status).toBe(201)
  })

  it('allows any model when ML_ALLOWED_MODELS is empty', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    expect((await create(owner.token, image.id, { model_name: 'anything_at_all' })).status).toBe(201)
  })

  it('answers 409 analysis_limit_reached past ML_MAX_ANALYSES_PER_IMAGE, but still deduplicates', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    const limit = { ML_MAX_ANALYSES_PER_IMAGE: '2' }
    const post = (body: Record<string, unknown> = {}) =>
      fetchWithEnv(request(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: '1', ...body } }), limit)
    expect((await post({ external_job_id: `j-${image.id}` })).status).toBe(201)
    expect((await post()).status).toBe(201)
    const third = await post()
    expect(third.status).toBe(409)
    expect(await third.json()).toMatchObject({ error: { code: 'analysis_limit_reached', details: { limit: 2 } } })
    expect((await post({ external_job_id: `j-${image.id}` })).status).toBe(200)
  })

  it('enforces the default limit of 50 analyses per image', async () => {
    const owner = await createUser()
    const image = await imageOf(owner)
    // Fill the image straight in D1: the limit counts rows, however they got there.
    const project = await env.DB.prepare('SELECT project_id FROM images WHERE id = ?').bind(image.id).first<{ project_id: string }>()
    await env.DB.batch(
      Array.from({ length: 50 }, () =>
        env.DB.prepare(`INSERT INTO analyses (id, image_id, project_id, model_name, model_version, status) VALUES (?, ?, ?, 'm', '1', 'queued')`).bind(
          crypto.randomUUID(),
          image.id,
          project!.project_id,
        ),
      ),
    )
    const res = await create(owner.token, image.id, {})
    expect(res.status).toBe(409)
    expect((await res.json<Envelope>()).error.code).toBe('analysis_limit_reached')
  })
})

describe('list', () => {
  let owner: TestUser
  let imageId: string
  let ids: string[]

  beforeAll(async () => {
    owner = await createUser()
    imageId = (await imageOf(owner)).id
    ids = []
    for (const model of ['yolo_v8', 'resnet50_classifier', 'yolo_v8', 'yolo_v8']) ids.push((await createAnalysis(owner, imageId, { model_name: model })).id)
    await signed('PATCH', `/api/analyses/${ids[2]}/status`, { status: 'processing' })
    await signed('POST', `/api/analyses/${ids[3]}/annotations:bulk`, { annotations: [{ annotation_type: 'classification', data: { score: 1 } }] })
    await signed('POST', `/api/analyses/${ids[3]}/finalize`, { status: 'completed' })
  })

  const list = async (query = '') => (await api(`/api/images/${imageId}/analyses${query}`, { token: owner.token })).json<{ analyses: Analysis[]; total: number }>()

  it('returns {analyses, total}, newest first, without annotations', async () => {
    const body = await list()
    expect(Object.keys(body).sort()).toEqual(['analyses', 'total'])
    expect(body.total).toBe(4)
    expect(body.analyses.map((a) => a.id)).toEqual([...ids].reverse())
    for (const a of body.analyses) expect(a).not.toHaveProperty('annotations')
    expect(body.analyses[0]).toMatchObject({ status: 'completed', annotation_count: 1 })
  })

  it('pages with skip and limit', async () => {
    const page = await list('?skip=1&limit=2')
    expect(page.analyses.map((a) => a.id)).toEqual([ids[2], ids[1]])
    expect(page.total).toBe(4)
  })

  it('filters by status', async () => {
    const page = await list('?status=processing')
    expect(page.analyses.map((a) => a.id)).toEqual([ids[2]])
    expect(page.total).toBe(1)
  })

  it('filters by model_name', async () => {
    const page = await list('?model_name=resnet50_classifier')
    expect(page.analyses.map((a) => a.id)).toEqual([ids[1]])
    expect(page.total).toBe(1)
  })

  it('combines filters', async () => {
    expect((await list('?status=queued&model_name=yolo_v8')).analyses.map((a) => a.id)).toEqual([ids[0]])
  })

  it('rejects an unknown status filter', async () => {
    expect((await api(`/api/images/${imageId}/analyses?status=done`, { token: owner.token })).status).toBe(400)
  })
})

describe('GET /api/analyses/{id}', () => {
  it('streams every one of 2,500 annotations in insertion order', async () => {
    const { owner, analysis } = await scenario()
    const annotations = Array.from({ length: 2500 }, (_, i) => ({ annotation_type: 'classification', class_name: `c${i}`, data: { score: 0.5 }, ordering: i }))
    expect((await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations })).status).toBe(200)
    const res = await api(`/api/analyses/${analysis.id}`, { token: owner.token })
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
    const body = await res.json<Analysis & { annotations: Annotation[] }>()
    expect(body).toMatchObject({ id: analysis.id, status: 'queued', annotation_count: 2500 })
    expect(body.annotations).toHaveLength(2500)
    expect(body.annotations.map((a) => a.ordering)).toEqual(annotations.map((a) => a.ordering))
    expect(new Set(body.annotations.map((a) => a.id)).size).toBe(2500)
  })

  it('returns an empty list for an analysis without annotations', async () => {
    const { owner, analysis } = await scenario()
    const body = await (await api(`/api/analyses/${analysis.id}`, { token: owner.token })).json<{ annotations: unknown[] }>()
    expect(body.annotations).toEqual([])
  })

  it('answers 404 for an analysis that does not exist', async () => {
    const owner = await createUser()
    expect((await api(`/api/analyses/${crypto.randomUUID()}`, { token: owner.token })).status).toBe(404)
  })
})

describe('GET /api/analyses/{id}/annotations', () => {
  let owner: TestUser
  let analysisId: string
  // 30 annotations: every third a classification of a cat, the rest boxes; confidence i/30.
  const items = Array.from({ length: 30 }, (_, i) =>
    i % 3 === 0
      ? { annotation_type: 'classification', class_name: 'cat', confidence: i / 30, data: { score: i / 30 }, ordering: i }
      : { annotation_type: 'bounding_box', class_name: i % 2 ? 'dog' : 'cat', confidence: i / 30, data: { x_min: i, y_min: 0, x_max: i + 1, y_max: 1 }, ordering: i },
  )

  beforeAll(async () => {
    const s = await scenario()
    owner = s.owner
    analysisId = s.analysis.id
    const res = await signed('POST', `/api/analyses/${analysisId}/annotations:bulk`, { annotations: items })
    expect(res.status).toBe(200)
  })

  const page = async (query: string) => {
    const res = await api(`/api/analyses/${analysisId}/annotations${query}`, { token: owner.token })
    expect(res.status, await res.clone().text()).toBe(200)
    return res.json<{ annotations: Annotation[]; total: number; next_cursor: string | null }>()
  }

  it('walks every annotation exactly once by cursor', async () => {
    const seen: number[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const body = await page(`?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      expect(body.total).toBe(30)
      seen.push(...body.annotations.map((a) => a.ordering!))
      cursor = body.next_cursor
      pages++
    } while (cursor)
    expect(pages).toBe(5)
    expect(seen).toEqual(items.map((a) => a.ordering))
  })

  it('has no next_cursor on the last page', async () => {
    const body = await page('?limit=30')
    expect(body.annotations).toHaveLength(30)
    expect(body.next_cursor).toBeNull()
  })

  it('pages with skip and limit', async () => {
    const body = await page('?skip=25&limit=10')
    expect(body.annotations.map((a) => a.ordering)).toEqual([25, 26, 27, 28, 29])
    expect(body.total).toBe(30)
  })

  it('filters by annotation_type', async () => {
    const body = await page('?annotation_type=classification')
    expect(body.total).toBe(10)
    expect(body.annotations.every((a) => a.annotation_type === 'classification')).toBe(true)
  })

  it('filters by class_name', async () => {
    const body = await page('?class_name=dog')
    expect(body.total).toBe(items.filter((a) => a.class_name === 'dog').length)
    expect(body.annotations.every((a) => a.class_name === 'dog')).toBe(true)
  })

  it('filters by min_confidence, inclusive', async () => {
    const body = await page('?min_confidence=0.8')
    expect(body.annotations.map((a) => a.ordering)).toEqual([24, 25, 26, 27, 28, 29])
  })

  it('combines filters and pages within them', async () => {
    const first = await page('?class_name=cat&annotation_type=bounding_box&min_confidence=0.5&limit=2')
    const expected = items.filter((a) => a.class_name === 'cat' && a.annotation_type === 'bounding_box' && a.confidence >= 0.5).map((a) => a.ordering)
    expect(first.total).toBe(expected.length)
    const second = await page(`?class_name=cat&annotation_type=bounding_box&min_confidence=0.5&limit=2&cursor=${encodeURIComponent(first.next_cursor!)}`)
    expect([...first.annotations, ...second.annotations].map((a) => a.ordering)).toEqual(expected.slice(0, 4))
  })

  it.each([
    ['a cursor it did not hand out', '?cursor=bm9wZQ'],
    ['both cursor and skip', '?cursor=cjox&skip=1'],
    ['a limit above 5000', '?limit=5001'],
    ['min_confidence above 1', '?min_confidence=1.5'],
    ['an unknown annotation_type', '?annotation_type=sparkle'],
  ])('answers 400 to %s', async (_what, query) => {
    expect((await api(`/api/analyses/${analysisId}/annotations${query}`, { token: owner.token })).status).toBe(400)
  })
})

describe('cancel', () => {
  async function shared() {
    const s = await scenario()
    const editor = await createUser('editor')
    const viewer = await createUser('viewer')
    await addMember(s.owner, s.project.id, editor, 'editor')
    await addMember(s.owner, s.project.id, viewer, 'viewer')
    return { ...s, editor, viewer }
  }

  it('lets an editor cancel, and the pipeline’s next callbacks get 409 analysis_canceled', async () => {
    const { editor, analysis } = await shared()
    expect((await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })).status).toBe(200)
    const res = await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: editor.token })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'canceled', version: 2 })
    expect(await (await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: editor.token })).json()).toMatchObject({ version: 2 })

    const callbacks = [
      signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' }),
      signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations: [{ annotation_type: 'classification', data: { score: 1 } }] }),
      signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' }),
      signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.9 }),
    ]
    for (const res of await Promise.all(callbacks)) {
      expect(res.status).toBe(409)
      expect((await res.json<Envelope>()).error.code).toBe('analysis_canceled')
    }
    const audit = await env.DB.prepare(`SELECT actor_type, actor_id FROM audit_log WHERE action = 'analysis.canceled' AND target_id = ?`).bind(analysis.id).first()
    expect(audit).toEqual({ actor_type: 'user', actor_id: editor.id })
  })

  it('answers 403 to a viewer and changes nothing', async () => {
    const { viewer, analysis } = await shared()
    const res = await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: viewer.token })
    expect(res.status).toBe(403)
    expect(await env.DB.prepare('SELECT status FROM analyses WHERE id = ?').bind(analysis.id).first()).toEqual({ status: 'queued' })
  })

  it('answers 409 illegal_transition for a finished analysis', async () => {
    const { owner, analysis } = await scenario()
    await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    const res = await api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token: owner.token })
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'illegal_transition', details: { current_status: 'completed' } } })
  })
})
