import { env } from 'cloudflare:workers'
import { api, createProject, createUser, uploadImage, type TestUser } from './helpers'

export interface TestPipeline {
  id: string
  key: string
  keyId: string
}

export async function registerPipeline(owner: TestUser, body: Record<string, unknown> = {}): Promise<TestPipeline> {
  const res = await api('/api/pipelines', { method: 'POST', token: owner.token, json: { name: 'detector', model_names: ['yolo_v8', 'yolo_*'], ...body } })
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`)
  const { id } = await res.json<{ id: string }>()
  const key = await createKey(owner, id)
  return { id, key: key.key, keyId: key.id }
}

export async function createKey(owner: TestUser, pipelineId: string, body: Record<string, unknown> = {}) {
  const res = await api(`/api/pipelines/${pipelineId}/keys`, { method: 'POST', token: owner.token, json: body })
  if (res.status !== 201) throw new Error(`key: ${res.status} ${await res.text()}`)
  return res.json<{ id: string; key: string; prefix: string }>()
}

export async function grant(owner: TestUser, projectId: string, pipelineId: string) {
  const res = await api(`/api/projects/${projectId}/pipelines`, { method: 'POST', token: owner.token, json: { pipeline_id: pipelineId } })
  if (res.status !== 201) throw new Error(`grant: ${res.status} ${await res.text()}`)
}

/** Sends as a pipeline key: `X-API-Key` unless `bearer`. */
export function asPipeline(key: string, path: string, init: RequestInit & { json?: unknown; bearer?: boolean } = {}) {
  const headers = new Headers(init.headers)
  headers.set(init.bearer ? 'Authorization' : 'X-API-Key', init.bearer ? `Bearer ${key}` : key)
  return api(path, { ...init, headers })
}

export interface PipelineCreated {
  id: string
  status: string
  pipeline_id: string | null
  callback: { base_url: string; secret: string }
}

export async function createAsPipeline(pipeline: TestPipeline, imageId: string, body: Record<string, unknown> = {}) {
  const res = await asPipeline(pipeline.key, `/api/images/${imageId}/analyses`, { method: 'POST', json: { model_name: 'yolo_v8', model_version: '1', ...body } })
  if (res.status !== 201) throw new Error(`create as pipeline: ${res.status} ${await res.text()}`)
  return res.json<PipelineCreated>()
}

/** An owner, a project with an image, and two pipelines both granted to it. */
export async function pipelineWorld() {
  const owner = await createUser('owner')
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  const a = await registerPipeline(owner, { name: 'pipeline-a' })
  const b = await registerPipeline(owner, { name: 'pipeline-b' })
  await grant(owner, project.id, a.id)
  await grant(owner, project.id, b.id)
  return { owner, project, image, a, b }
}

export const auditRows = (where: string, ...binds: unknown[]) =>
  env.DB.prepare(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`)
    .bind(...binds)
    .all<{ action: string; actor_type: string; actor_id: string | null; project_id: string | null; pipeline_id: string | null; details: string | null }>()
    .then((r) => r.results)
