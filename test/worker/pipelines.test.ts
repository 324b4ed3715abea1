import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/digest'
import { api, createAnalysis, createProject, createUser, fetchWithEnv, request, uploadImage } from './helpers'
import { asPipeline, auditRows, createAsPipeline, createKey, pipelineWorld, registerPipeline } from './pipeline-helpers'

interface Envelope {
  error: { code: string; message: string }
}

const countAnalyses = async () => (await env.DB.prepare('SELECT count(*) AS n FROM analyses').first<{ n: number }>())!.n

describe('registered pipelines', () => {
  it('registers, lists, changes, disables, enables and deletes a pipeline, each with an audit row', async () => {
    const owner = await createUser('owner')
    const p = await registerPipeline(owner, { name: 'seg', model_names: ['sam_*'], job_kinds: ['train'], description: 'SAM' })
    const list = await (await api('/api/pipelines', { token: owner.token })).json<{ pipelines: { id: string; manageable: boolean }[] }>()
    expect(list.pipelines).toContainEqual(expect.objectContaining({ id: p.id, manageable: true }))
    const patched = await api(`/api/pipelines/${p.id}`, { method: 'PATCH', token: owner.token, json: { model_names: ['sam_v2'] } })
    expect(await patched.json()).toMatchObject({ model_names: ['sam_v2'], job_kinds: ['train'], description: 'SAM' })
    expect((await (await api(`/api/pipelines/${p.id}/disable`, { method: 'POST', token: owner.token })).json<{ disabled_at: string }>()).disabled_at).toBeTruthy()
    expect((await (await api(`/api/pipelines/${p.id}/enable`, { method: 'POST', token: owner.token })).json<{ disabled_at: null }>()).disabled_at).toBeNull()
    expect((await api(`/api/pipelines/${p.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(`/api/pipelines/${p.id}`, { token: owner.token })).status).toBe(404)
    const actions = (await auditRows('pipeline_id = ?', p.id)).map((r) => r.action)
    expect(actions).toEqual(['pipeline.created', 'pipeline_key.created', 'pipeline.updated', 'pipeline.disabled', 'pipeline.enabled', 'pipeline.deleted'])
  })

  it('refuses a pipeline that serves no model, and a pattern with brackets', async () => {
    const owner = await createUser('owner')
    for (const model_names of [[], ['yolo_[v]8']]) {
      const res = await api('/api/pipelines', { method: 'POST', token: owner.token, json: { name: 'x', model_names } })
      expect(res.status).toBe(400)
    }
  })
})

describe('mlpip_ keys', () => {
  it('authenticates with X-API-Key and with Authorization: Bearer, and shows the key once, stored as its SHA-256', async () => {
    const { a, project, owner } = await pipelineWorld()
    for (const bearer of [false, true]) {
      const me = await asPipeline(a.key, '/api/pipelines/me', { bearer })
      expect(me.status).toBe(200)
      expect(await me.json()).toMatchObject({ pipeline: { id: a.id }, key: { id: a.keyId }, projects: [{ id: project.id }] })
    }
    const row = await env.DB.prepare('SELECT * FROM pipeline_keys WHERE id = ?').bind(a.keyId).first<Record<string, string>>()
    expect(row!.key_hash).toBe(await sha256Hex(a.key))
    expect(Object.values(row!)).not.toContain(a.key)
    expect(row!.key_prefix!.startsWith('mlpip_')).toBe(true)
    const listed = await (await api(`/api/pipelines/${a.id}/keys`, { token: owner.token })).text()
    expect(listed).not.toContain(a.key)
  })

  it('records when a key was last used, and one pipeline_key.used audit row', async () => {
    const { a } = await pipelineWorld()
    expect((await asPipeline(a.key, '/api/projects')).status).toBe(200)
    await expect.poll(async () => (await env.DB.prepare('SELECT last_used_at FROM pipeline_keys WHERE id = ?').bind(a.keyId).first<{ last_used_at: string | null }>())!.last_used_at).toBeTruthy()
    expect((await auditRows("pipeline_id = ? AND action = 'pipeline_key.used'", a.id)).length).toBe(1)
  })

  it.each([
    ['a malformed key', 401, 'unauthorized', async () => 'mlpip_not-a-real-key'],
    ['an unknown key', 401, 'unauthorized', async () => 'mlpip_' + 'A'.repeat(43)],
    ['a revoked key', 401, 'unauthorized', async (w: World) => (await revoked(w)).key],
    ['an expired key', 401, 'unauthorized', async (w: World) => (await expired(w)).key],
    ['the key of a disabled pipeline', 403, 'pipeline_disabled', async (w: World) => (await disabled(w)).key],
    ['the key of a deleted pipeline', 401, 'unauthorized', async (w: World) => (await deleted(w)).key],
  ])('answers %s with %i %s and writes nothing', async (_name, status, code, keyOf) => {
    const w = await pipelineWorld()
    const key = await keyOf(w)
    const before = await countAnalyses()
    const res = await asPipeline(key, `/api/images/${w.image.id}/analyses`, { method: 'POST', json: { model_name: 'yolo_v8', model_version: '1' } })
    expect(res.status).toBe(status)
    expect((await res.json<Envelope>()).error.code).toBe(code)
    expect(await countAnalyses()).toBe(before)
  })

  it('answers a key sent both ways at once with 400', async () => {
    const { a, owner } = await pipelineWorld()
    const res = await api('/api/projects', { token: owner.token, headers: { 'X-API-Key': a.key } })
    expect(res.status).toBe(400)
  })

  it('hides projects that did not grant the pipeline, and lists those that did', async () => {
    const { a, project, owner } = await pipelineWorld()
    const other = await createProject(owner, 'not granted')
    const otherImage = await uploadImage(owner, other.id)
    const listed = await (await asPipeline(a.key, '/api/projects')).json<{ projects: { id: string; role: string }[] }>()
    expect(listed.projects).toEqual([expect.objectContaining({ id: project.id, role: 'pipeline_worker' })])
    for (const path of [`/api/projects/${other.id}`, `/api/projects/${other.id}/images`, `/api/images/${otherImage.id}`]) {
      expect((await asPipeline(a.key, path)).status, path).toBe(404)
    }
    const create = await asPipeline(a.key, `/api/images/${otherImage.id}/analyses`, { method: 'POST', json: { model_name: 'yolo_v8', model_version: '1' } })
    expect(create.status).toBe(404)
  })

  it('stops working in a project the moment its grant is revoked', async () => {
    const { a, project, owner, image } = await pipelineWorld()
    const analysis = await createAsPipeline(a, image.id)
    expect((await api(`/api/projects/${project.id}/pipelines/${a.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await asPipeline(a.key, `/api/analyses/${analysis.id}`)).status).toBe(404)
    expect((await asPipeline(a.key, `/api/images/${image.id}/analyses`, { method: 'POST', json: { model_name: 'yolo_v8', model_version: '1' } })).status).toBe(404)
    const actions = (await auditRows('project_id = ? AND pipeline_id = ?', project.id, a.id)).map((r) => r.action)
    expect(actions).toEqual(expect.arrayContaining(['pipeline.granted', 'pipeline.grant_revoked']))
  })

  it('lets only owners grant, and only the registrant manage keys', async () => {
    const { a, project, owner } = await pipelineWorld()
    const editor = await createUser('editor')
    await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { user_id: editor.id, role: 'editor' } })
    const mine = await registerPipeline(editor, { name: 'editor’s' })
    expect((await api(`/api/projects/${project.id}/pipelines`, { method: 'POST', token: editor.token, json: { pipeline_id: mine.id } })).status).toBe(403)
    expect((await api(`/api/pipelines/${a.id}`, { token: editor.token })).status).toBe(200)
    expect((await api(`/api/pipelines/${a.id}/keys`, { method: 'POST', token: editor.token, json: {} })).status).toBe(403)
  })
})

describe('creating analyses with a pipeline key', () => {
  it('creates for a model the pipeline serves, records the pipeline, and returns a callback credential for that analysis', async () => {
    const { a, image } = await pipelineWorld()
    const created = await createAsPipeline(a, image.id, { model_name: 'yolo_v11' })
    expect(created).toMatchObject({ status: 'queued', pipeline_id: a.id, requested_by_id: null })
    expect(created.callback.base_url).toBe(`http://loupe.test/api/analyses/${created.id}`)
    expect(created.callback.secret).toMatch(/^mlcred_[A-Za-z0-9_-]{43}$/)
    const row = await env.DB.prepare('SELECT * FROM analyses WHERE id = ?').bind(created.id).first<Record<string, unknown>>()
    expect(JSON.stringify(row)).not.toContain(created.callback.secret)
    expect((await auditRows("target_id = ? AND action = 'analysis.created'", created.id))[0]).toMatchObject({ actor_type: 'pipeline', actor_id: a.id, pipeline_id: a.id })
  })

  it('refuses a model the pipeline does not serve with 403 model_not_served, writing nothing', async () => {
    const { a, image } = await pipelineWorld()
    const before = await countAnalyses()
    const res = await asPipeline(a.key, `/api/images/${image.id}/analyses`, { method: 'POST', json: { model_name: 'resnet50', model_version: '1' } })
    expect(res.status).toBe(403)
    expect((await res.json<Envelope>()).error.code).toBe('model_not_served')
    expect(await countAnalyses()).toBe(before)
  })

  it('gives users no credential, and keeps another pipeline’s external_job_id its own', async () => {
    const { a, b, owner, image } = await pipelineWorld()
    const byUser = await api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'yolo_v8', model_version: '1' } })
    expect(await byUser.json()).not.toHaveProperty('callback')
    await createAsPipeline(a, image.id, { external_job_id: `job-${crypto.randomUUID()}` }).then(async (first) => {
      const row = await env.DB.prepare('SELECT external_job_id FROM analyses WHERE id = ?').bind(first.id).first<{ external_job_id: string }>()
      const again = await asPipeline(b.key, `/api/images/${image.id}/analyses`, {
        method: 'POST',
        json: { model_name: 'yolo_v8', model_version: '1', external_job_id: row!.external_job_id },
      })
      expect(again.status).toBe(409)
    })
  })

  it('lets a pipeline read its own analyses only, in lists too', async () => {
    const { a, b, owner, image } = await pipelineWorld()
    const mine = await createAsPipeline(a, image.id)
    const theirs = await createAsPipeline(b, image.id)
    const users = await createAnalysis(owner, image.id)
    const list = await (await asPipeline(a.key, `/api/images/${image.id}/analyses`)).json<{ analyses: { id: string }[]; total: number }>()
    expect(list.analyses.map((x) => x.id)).toEqual([mine.id])
    for (const id of [theirs.id, users.id]) expect((await asPipeline(a.key, `/api/analyses/${id}`)).status).toBe(404)
    expect((await asPipeline(a.key, `/api/analyses/${mine.id}`)).status).toBe(200)
    // The image itself, with its short-lived URL, is what a pipeline needs to work.
    expect(await (await asPipeline(a.key, `/api/images/${image.id}`)).json()).toHaveProperty('url')
  })
})

describe('ML_MAX_PENDING_PER_USER and per pipeline', () => {
  it('creates none past the user limit when ten creates race at it, and writes no audit row for the refused', async () => {
    const owner = await createUser('owner')
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    const create = () =>
      fetchWithEnv(request(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: '1' } }), {
        ML_MAX_PENDING_PER_USER: '3',
      })
    const answers = await Promise.all(Array.from({ length: 10 }, create))
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429, 429, 429, 429, 429])
    const refused = answers.find((r) => r.status === 429)!
    expect(await refused.json()).toMatchObject({ error: { code: 'pending_limit_reached', details: { scope: 'user', limit: 3 } } })
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM analyses WHERE requested_by_id = ?').bind(owner.id).first<{ n: number }>()
    expect(rows!.n).toBe(3)
    expect((await auditRows("actor_id = ? AND action = 'analysis.created'", owner.id)).length).toBe(3)
  })

  it('frees a place when an analysis finishes', async () => {
    const owner = await createUser('owner')
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    const create = () =>
      fetchWithEnv(request(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: '1' } }), {
        ML_MAX_PENDING_PER_USER: '1',
      })
    const first = await (await create()).json<{ id: string }>()
    expect((await create()).status).toBe(429)
    expect((await api(`/api/analyses/${first.id}/cancel`, { method: 'POST', token: owner.token })).status).toBe(200)
    expect((await create()).status).toBe(201)
  })

  it('holds the per-pipeline limit for a pipeline key, while another pipeline still creates', async () => {
    const { a, b, image } = await pipelineWorld()
    const create = (key: string) =>
      fetchWithEnv(request(`/api/images/${image.id}/analyses`, { method: 'POST', headers: { 'X-API-Key': key }, json: { model_name: 'yolo_v8', model_version: '1' } }), {
        ML_MAX_PENDING_PER_PIPELINE: '2',
      })
    const answers = await Promise.all(Array.from({ length: 6 }, () => create(a.key)))
    expect(answers.filter((r) => r.status === 201)).toHaveLength(2)
    expect(await answers.find((r) => r.status === 429)!.json()).toMatchObject({ error: { code: 'pending_limit_reached', details: { scope: 'pipeline' } } })
    expect((await create(b.key)).status).toBe(201)
  })
})

type World = Awaited<ReturnType<typeof pipelineWorld>>

async function revoked(w: World) {
  const key = await createKey(w.owner, w.a.id)
  await api(`/api/pipelines/${w.a.id}/keys/${key.id}`, { method: 'DELETE', token: w.owner.token })
  return key
}

async function expired(w: World) {
  const key = await createKey(w.owner, w.a.id, { expires_in_days: 1 })
  await env.DB.prepare("UPDATE pipeline_keys SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?").bind(key.id).run()
  return key
}

async function disabled(w: World) {
  await api(`/api/pipelines/${w.a.id}/disable`, { method: 'POST', token: w.owner.token })
  return w.a
}

async function deleted(w: World) {
  await api(`/api/pipelines/${w.a.id}`, { method: 'DELETE', token: w.owner.token })
  return w.a
}

