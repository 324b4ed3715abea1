import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  addMember,
  api,
  createAnalysis,
  createProject,
  createUser,
  PNG_1x1,
  signed,
  uploadArtifact,
  uploadImage,
  type TestUser,
} from './helpers'
import { createAsPipeline, grant, registerPipeline, type TestPipeline } from './pipeline-helpers'
import { createJob, runJobAlarm, uploadJobArtifact } from './jobs-helpers'
import { postResults, type CocoFile } from './evaluation-fixtures'

/**
 * People by role, and two registered pipelines granted to the project: `pipeline` created the
 * analysis under test, `other_pipeline` did not (docs/security.md, the pipeline_worker role).
 */
type Person = 'owner' | 'editor' | 'viewer' | 'outsider'
type Caller = Person | 'anonymous' | 'pipeline' | 'other_pipeline'
const CALLERS: Caller[] = ['owner', 'editor', 'viewer', 'outsider', 'anonymous', 'pipeline', 'other_pipeline']

interface World {
  users: Record<Person, TestUser>
  pipelines: Record<'pipeline' | 'other_pipeline', TestPipeline>
  bystander: TestUser
  projectId: string
  imageId: string
  analysisId: string
  annotationId: string
  artifactPath: string
  jobId: string
  batchJobId: string
  jobArtifactPath: string
  versionIds: [string, string]
  snapshotId: string
  gtImageId: string
  importId: string
  evaluationIds: [string, string]
}

interface Row {
  endpoint: string
  expected: Record<Caller, number>
  /** Runs the request as `token`; rows that change state build their own target first, as the owner. */
  call: (w: World, token: string | undefined) => Promise<Response>
}

// Pipeline keys are refused from everything meant for people, whatever the project.
const PEOPLE_ONLY = { pipeline: 403, other_pipeline: 403 }
// Reads: members see it, outsiders are told it does not exist, strangers must sign in.
const READ = { owner: 200, editor: 200, viewer: 200, outsider: 404, anonymous: 401, ...PEOPLE_ONLY }
// What a pipeline needs, in a project that granted it.
const PIPELINE_READ = { ...READ, pipeline: 200, other_pipeline: 200 }
// The analysis's own data: its pipeline reads it, another pipeline is told it does not exist.
const OWN_READ = { ...READ, pipeline: 200, other_pipeline: 404 }
// Writes: viewers may look but not touch.
const write = (ok: number) => ({ owner: ok, editor: ok, viewer: 403, outsider: 404, anonymous: 401, ...PEOPLE_ONLY })
// Member management belongs to owners.
const manage = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, outsider: 404, anonymous: 401, ...PEOPLE_ONLY })
// Not scoped to a project: any signed-in user.
const SIGNED_IN = (ok: number) => ({ owner: ok, editor: ok, viewer: ok, outsider: ok, anonymous: 401, ...PEOPLE_ONLY })
// A pipeline is managed by who registered it (the owner here); members of a project it is granted to see it.
const PIPELINE_SEEN = { owner: 200, editor: 200, viewer: 200, outsider: 404, anonymous: 401, ...PEOPLE_ONLY }
const pipelineManage = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, outsider: 404, anonymous: 401, ...PEOPLE_ONLY })

/** A pipeline the owner registers and grants to the project, for rows that change it. */
async function freshPipeline(w: World) {
  const pipeline = await registerPipeline(w.users.owner, { name: 'fresh' })
  await grant(w.users.owner, w.projectId, pipeline.id)
  return pipeline
}

async function freshTicketUpload(w: World) {
  const res = await api(`/api/projects/${w.projectId}/images/uploads`, {
    method: 'POST',
    token: w.users.owner.token,
    json: { filename: 'big.png', content_type: 'image/png' },
  })
  const ticket = await res.json<{ image: { id: string }; upload_url: string; headers: Record<string, string> }>()
  const put = await exports.default.fetch(new Request(ticket.upload_url, { method: 'PUT', headers: ticket.headers, body: PNG_1x1 }))
  expect(put.status).toBe(200)
  return ticket.image.id
}

/** A project of its own with the world's members, for the rows that delete or restore a whole project. */
async function freshProject(w: World, deleted: boolean) {
  const project = await createProject(w.users.owner, 'Throwaway')
  await addMember(w.users.owner, project.id, w.users.editor, 'editor')
  await addMember(w.users.owner, project.id, w.users.viewer, 'viewer')
  if (deleted) await api(`/api/projects/${project.id}`, { method: 'DELETE', token: w.users.owner.token })
  return project.id
}

/** One image, one box: the smallest ground truth an evaluation can be computed against. */
const GT_FILE: CocoFile = {
  images: [{ id: 1, file_name: 'gt.png', width: 100, height: 100 }],
  annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 }],
  categories: [{ id: 1, name: 'cat' }],
}
const EVALUATION = { predictions: { model_name: 'yolo_v8', model_version: '1.0.0' } }

async function importGroundTruth(owner: TestUser, projectId: string, name?: string) {
  const query = name ? `?name=${encodeURIComponent(name)}` : ''
  const res = await api(`/api/projects/${projectId}/ground-truth${query}`, { method: 'POST', token: owner.token, json: GT_FILE })
  if (res.status !== 201) throw new Error(`import: ${res.status} ${await res.text()}`)
  return (await res.json<{ id: string }>()).id
}

async function evaluate(owner: TestUser, projectId: string) {
  const res = await api(`/api/projects/${projectId}/evaluations`, { method: 'POST', token: owner.token, json: EVALUATION })
  if (res.status !== 201) throw new Error(`evaluation: ${res.status} ${await res.text()}`)
  return (await res.json<{ id: string }>()).id
}

const ROWS: Row[] = [
  {
    endpoint: 'POST /api/projects',
    expected: SIGNED_IN(201),
    call: (_w, token) => api('/api/projects', { method: 'POST', token, json: { name: 'Mine' } }),
  },
  { endpoint: 'GET /api/projects', expected: { ...SIGNED_IN(200), pipeline: 200, other_pipeline: 200 }, call: (_w, token) => api('/api/projects', { token }) },
  { endpoint: 'GET /api/projects/{id}', expected: PIPELINE_READ, call: (w, token) => api(`/api/projects/${w.projectId}`, { token }) },
  { endpoint: 'GET /api/projects/{id}/members', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/members`, { token }) },
  {
    endpoint: 'POST /api/projects/{id}/members',
    expected: manage(200),
    call: (w, token) => api(`/api/projects/${w.projectId}/members`, { method: 'POST', token, json: { user_id: w.bystander.id, role: 'viewer' } }),
  },
  {
    endpoint: 'DELETE /api/projects/{id}/members/{user_id}',
    expected: manage(204),
    call: async (w, token) => {
      const member = await createUser('member')
      await addMember(w.users.owner, w.projectId, member, 'viewer')
      return api(`/api/projects/${w.projectId}/members/${member.id}`, { method: 'DELETE', token })
    },
  },
  {
    endpoint: 'POST /api/projects/{id}/images',
    expected: write(201),
    call: (w, token) => {
      const form = new FormData()
      form.append('file', new File([PNG_1x1], 'pixel.png', { type: 'image/png' }))
      return api(`/api/projects/${w.projectId}/images`, { method: 'POST', token, body: form })
    },
  },
  {
    endpoint: 'POST /api/projects/{id}/images/uploads',
    expected: write(201),
    call: (w, token) =>
      api(`/api/projects/${w.projectId}/images/uploads`, { method: 'POST', token, json: { filename: 'big.png', content_type: 'image/png' } }),
  },
  {
    endpoint: 'POST /api/images/{id}/complete',
    expected: write(200),
    call: async (w, token) => api(`/api/images/${await freshTicketUpload(w)}/complete`, { method: 'POST', token }),
  },
  { endpoint: 'GET /api/projects/{id}/images', expected: PIPELINE_READ, call: (w, token) => api(`/api/projects/${w.projectId}/images`, { token }) },
  { endpoint: 'GET /api/images/{id}', expected: PIPELINE_READ, call: (w, token) => api(`/api/images/${w.imageId}`, { token }) },
  {
    endpoint: 'DELETE /api/images/{id}',
    expected: write(204),
    call: async (w, token) => {
      const image = await uploadImage(w.users.owner, w.projectId)
      return api(`/api/images/${image.id}`, { method: 'DELETE', token })
    },
  },
  {
    endpoint: 'POST /api/images/{id}/analyses',
    // Both pipelines serve yolo_v8 and are granted: they may run it.
    expected: { ...write(201), pipeline: 201, other_pipeline: 201 },
    call: (w, token) => api(`/api/images/${w.imageId}/analyses`, { method: 'POST', token, json: { model_name: 'yolo_v8', model_version: '1' } }),
  },
  { endpoint: 'GET /api/images/{id}/analyses', expected: PIPELINE_READ, call: (w, token) => api(`/api/images/${w.imageId}/analyses`, { token }) },
  { endpoint: 'GET /api/analyses/{id}', expected: OWN_READ, call: (w, token) => api(`/api/analyses/${w.analysisId}`, { token }) },
  {
    endpoint: 'GET /api/analyses/{id}/annotations',
    expected: OWN_READ,
    call: (w, token) => api(`/api/analyses/${w.analysisId}/annotations`, { token }),
  },
  { endpoint: 'GET /api/analyses/{id}/logs', expected: OWN_READ, call: (w, token) => api(`/api/analyses/${w.analysisId}/logs`, { token }) },
  {
    endpoint: 'GET /api/analyses/{id}/live',
    // Members get the WebSocket; the check happens before the upgrade, so others never get a socket.
    expected: { owner: 101, editor: 101, viewer: 101, outsider: 404, anonymous: 401, ...PEOPLE_ONLY },
    call: (w, token) => api(`/api/analyses/${w.analysisId}/live`, { token, headers: { Upgrade: 'websocket' } }),
  },
  {
    endpoint: 'PATCH /api/annotations/{id}/review',
    expected: write(200),
    call: (w, token) => api(`/api/annotations/${w.annotationId}/review`, { method: 'PATCH', token, json: { state: 'accepted' } }),
  },
  { endpoint: 'GET /api/analyses/{id}/export', expected: READ, call: (w, token) => api(`/api/analyses/${w.analysisId}/export`, { token }) },
  { endpoint: 'GET /api/analyses/{id}/bundle', expected: READ, call: (w, token) => api(`/api/analyses/${w.analysisId}/bundle`, { token }) },
  { endpoint: 'GET /api/projects/{id}/export', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/export`, { token }) },
  {
    endpoint: 'POST /api/analyses/{id}/cancel',
    expected: write(200),
    call: async (w, token) => {
      const analysis = await createAnalysis(w.users.owner, w.imageId)
      return api(`/api/analyses/${analysis.id}/cancel`, { method: 'POST', token })
    },
  },
  {
    endpoint: 'GET /api/ml/artifacts/download',
    expected: READ,
    call: (w, token) => api(`/api/ml/artifacts/download?storage_path=${encodeURIComponent(w.artifactPath)}`, { token }),
  },
  {
    endpoint: 'POST /api/pipelines',
    expected: SIGNED_IN(201),
    call: (_w, token) => api('/api/pipelines', { method: 'POST', token, json: { name: 'mine', model_names: ['m'] } }),
  },
  { endpoint: 'GET /api/pipelines', expected: SIGNED_IN(200), call: (_w, token) => api('/api/pipelines', { token }) },
  { endpoint: 'GET /api/pipelines/{id}', expected: PIPELINE_SEEN, call: (w, token) => api(`/api/pipelines/${w.pipelines.pipeline.id}`, { token }) },
  {
    endpoint: 'PATCH /api/pipelines/{id}',
    expected: pipelineManage(200),
    call: (w, token) => api(`/api/pipelines/${w.pipelines.pipeline.id}`, { method: 'PATCH', token, json: { description: 'changed' } }),
  },
  {
    endpoint: 'POST /api/pipelines/{id}/disable',
    expected: pipelineManage(200),
    call: async (w, token) => api(`/api/pipelines/${(await freshPipeline(w)).id}/disable`, { method: 'POST', token }),
  },
  {
    endpoint: 'POST /api/pipelines/{id}/enable',
    expected: pipelineManage(200),
    call: async (w, token) => api(`/api/pipelines/${(await freshPipeline(w)).id}/enable`, { method: 'POST', token }),
  },
  {
    endpoint: 'DELETE /api/pipelines/{id}',
    expected: pipelineManage(204),
    call: async (w, token) => api(`/api/pipelines/${(await freshPipeline(w)).id}`, { method: 'DELETE', token }),
  },
  {
    endpoint: 'POST /api/pipelines/{id}/keys',
    expected: pipelineManage(201),
    call: (w, token) => api(`/api/pipelines/${w.pipelines.pipeline.id}/keys`, { method: 'POST', token, json: {} }),
  },
  { endpoint: 'GET /api/pipelines/{id}/keys', expected: pipelineManage(200), call: (w, token) => api(`/api/pipelines/${w.pipelines.pipeline.id}/keys`, { token }) },
  {
    endpoint: 'GET /api/pipelines/{id}/deliveries',
    expected: pipelineManage(200),
    call: (w, token) => api(`/api/pipelines/${w.pipelines.pipeline.id}/deliveries`, { token }),
  },
  {
    endpoint: 'DELETE /api/pipelines/{id}/keys/{key_id}',
    expected: pipelineManage(204),
    call: async (w, token) => {
      const pipeline = await freshPipeline(w)
      return api(`/api/pipelines/${pipeline.id}/keys/${pipeline.keyId}`, { method: 'DELETE', token })
    },
  },
  {
    endpoint: 'POST /api/pipelines/{id}/secrets',
    expected: pipelineManage(201),
    call: async (w, token) => api(`/api/pipelines/${(await freshPipeline(w)).id}/secrets`, { method: 'POST', token, json: { purpose: 'callback' } }),
  },
  { endpoint: 'GET /api/pipelines/{id}/secrets', expected: pipelineManage(200), call: (w, token) => api(`/api/pipelines/${w.pipelines.pipeline.id}/secrets`, { token }) },
  {
    endpoint: 'DELETE /api/pipelines/{id}/secrets/{secret_id}',
    expected: pipelineManage(204),
    call: async (w, token) => {
      const pipeline = await freshPipeline(w)
      const res = await api(`/api/pipelines/${pipeline.id}/secrets`, { method: 'POST', token: w.users.owner.token, json: {} })
      return api(`/api/pipelines/${pipeline.id}/secrets/${(await res.json<{ id: string }>()).id}`, { method: 'DELETE', token })
    },
  },
  { endpoint: 'GET /api/projects/{id}/pipelines', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/pipelines`, { token }) },
  {
    endpoint: 'POST /api/projects/{id}/pipelines',
    expected: manage(201),
    call: async (w, token) => {
      const pipeline = await registerPipeline(w.users.owner, { name: 'to grant' })
      return api(`/api/projects/${w.projectId}/pipelines`, { method: 'POST', token, json: { pipeline_id: pipeline.id } })
    },
  },
  {
    endpoint: 'DELETE /api/projects/{id}/pipelines/{pipeline_id}',
    expected: manage(204),
    call: async (w, token) => api(`/api/projects/${w.projectId}/pipelines/${(await freshPipeline(w)).id}`, { method: 'DELETE', token }),
  },
  { endpoint: 'GET /api/analyses/{id}/deliveries', expected: READ, call: (w, token) => api(`/api/analyses/${w.analysisId}/deliveries`, { token }) },
  {
    endpoint: 'POST /api/deliveries/{id}/redeliver',
    expected: write(202),
    call: async (w, token) => {
      // A logged attempt to an endpoint that is no longer configured: the redelivery is queued, then dropped.
      const id = crypto.randomUUID()
      await env.DB.prepare(
        "INSERT INTO deliveries (id, webhook_id, run_kind, run_id, event, endpoint_url, attempt, outcome) VALUES (?, 'msg_matrix', 'analysis', ?, 'analysis.created', 'https://hooks.example.com/x', 1, 'failed')",
      )
        .bind(id, w.analysisId)
        .run()
      return api(`/api/deliveries/${id}/redeliver`, { method: 'POST', token })
    },
  },
  { endpoint: 'GET /api/projects/{id}/audit', expected: manage(200), call: (w, token) => api(`/api/projects/${w.projectId}/audit`, { token }) },
  { endpoint: 'GET /api/projects/{id}/audit/summary', expected: manage(200), call: (w, token) => api(`/api/projects/${w.projectId}/audit/summary`, { token }) },
  {
    endpoint: 'POST /api/projects/{id}/jobs',
    expected: write(201),
    call: (w, token) => api(`/api/projects/${w.projectId}/jobs`, { method: 'POST', token, json: { kind: 'custom', model_name: 'x' } }),
  },
  { endpoint: 'GET /api/projects/{id}/jobs', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/jobs`, { token }) },
  { endpoint: 'GET /api/projects/{id}/jobs/queue', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/jobs/queue`, { token }) },
  { endpoint: 'GET /api/jobs/{id}', expected: READ, call: (w, token) => api(`/api/jobs/${w.jobId}`, { token }) },
  {
    endpoint: 'POST /api/jobs/{id}/cancel',
    expected: write(200),
    call: async (w, token) => {
      const res = await api(`/api/projects/${w.projectId}/jobs`, { method: 'POST', token: w.users.owner.token, json: { kind: 'custom', model_name: 'x' } })
      return api(`/api/jobs/${(await res.json<{ id: string }>()).id}/cancel`, { method: 'POST', token })
    },
  },
  { endpoint: 'GET /api/jobs/{id}/logs', expected: READ, call: (w, token) => api(`/api/jobs/${w.jobId}/logs`, { token }) },
  { endpoint: 'GET /api/jobs/{id}/metrics', expected: READ, call: (w, token) => api(`/api/jobs/${w.jobId}/metrics`, { token }) },
  { endpoint: 'GET /api/jobs/{id}/artifacts', expected: READ, call: (w, token) => api(`/api/jobs/${w.jobId}/artifacts`, { token }) },
  { endpoint: 'GET /api/jobs/{id}/deliveries', expected: READ, call: (w, token) => api(`/api/jobs/${w.jobId}/deliveries`, { token }) },
  {
    endpoint: 'GET /api/jobs/{id}/artifacts/download',
    expected: READ,
    call: (w, token) => api(`/api/jobs/${w.jobId}/artifacts/download?storage_path=${encodeURIComponent(w.jobArtifactPath)}`, { token }),
  },
  { endpoint: 'GET /api/jobs/{id}/export', expected: READ, call: (w, token) => api(`/api/jobs/${w.batchJobId}/export`, { token }) },
  {
    endpoint: 'GET /api/jobs/{id}/live',
    expected: { owner: 101, editor: 101, viewer: 101, outsider: 404, anonymous: 401, ...PEOPLE_ONLY },
    call: (w, token) => api(`/api/jobs/${w.jobId}/live`, { token, headers: { Upgrade: 'websocket' } }),
  },
  { endpoint: 'GET /api/projects/{id}/status', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/status`, { token }) },
  { endpoint: 'GET /api/projects/{id}/settings', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/settings`, { token }) },
  {
    endpoint: 'PATCH /api/projects/{id}/settings',
    expected: manage(200),
    call: (w, token) => api(`/api/projects/${w.projectId}/settings`, { method: 'PATCH', token, json: { job_concurrency: 1 } }),
  },
  {
    endpoint: 'POST /api/projects/{id}/model-versions',
    expected: write(201),
    call: (w, token) => api(`/api/projects/${w.projectId}/model-versions`, { method: 'POST', token, json: { name: 'm', version: crypto.randomUUID() } }),
  },
  { endpoint: 'GET /api/projects/{id}/model-versions', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/model-versions`, { token }) },
  {
    endpoint: 'GET /api/projects/{id}/model-versions/compare',
    expected: READ,
    call: (w, token) => api(`/api/projects/${w.projectId}/model-versions/compare?base=${w.versionIds[0]}&candidate=${w.versionIds[1]}`, { token }),
  },
  { endpoint: 'GET /api/model-versions/{id}', expected: READ, call: (w, token) => api(`/api/model-versions/${w.versionIds[0]}`, { token }) },
  { endpoint: 'GET /api/model-versions/{id}/lineage', expected: READ, call: (w, token) => api(`/api/model-versions/${w.versionIds[0]}/lineage`, { token }) },
  {
    endpoint: 'POST /api/model-versions/{id}/promote',
    expected: write(200),
    call: (w, token) => api(`/api/model-versions/${w.versionIds[1]}/promote`, { method: 'POST', token, json: { alias: 'staging' } }),
  },
  { endpoint: 'GET /api/projects/{id}/model-aliases', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/model-aliases`, { token }) },
  {
    endpoint: 'DELETE /api/projects/{id}/model-aliases/{name}/{alias}',
    expected: write(204),
    call: async (w, token) => {
      const alias = `a${crypto.randomUUID().slice(0, 8)}`
      await api(`/api/model-versions/${w.versionIds[0]}/promote`, { method: 'POST', token: w.users.owner.token, json: { alias } })
      return api(`/api/projects/${w.projectId}/model-aliases/det/${alias}`, { method: 'DELETE', token })
    },
  },
  { endpoint: 'GET /api/projects/{id}/datasets', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/datasets`, { token }) },
  { endpoint: 'GET /api/datasets/{id}', expected: READ, call: (w, token) => api(`/api/datasets/${w.snapshotId}`, { token }) },
  { endpoint: 'GET /api/datasets/{id}/download', expected: READ, call: (w, token) => api(`/api/datasets/${w.snapshotId}/download`, { token }) },
  {
    endpoint: 'DELETE /api/analyses/{id}',
    expected: write(204),
    call: async (w, token) => api(`/api/analyses/${(await createAnalysis(w.users.owner, w.imageId)).id}`, { method: 'DELETE', token }),
  },
  {
    endpoint: 'POST /api/analyses/{id}/restore',
    expected: write(200),
    call: async (w, token) => {
      const analysis = await createAnalysis(w.users.owner, w.imageId)
      await api(`/api/analyses/${analysis.id}`, { method: 'DELETE', token: w.users.owner.token })
      return api(`/api/analyses/${analysis.id}/restore`, { method: 'POST', token })
    },
  },
  {
    endpoint: 'POST /api/images/{id}/restore',
    expected: write(200),
    call: async (w, token) => {
      const image = await uploadImage(w.users.owner, w.projectId)
      await api(`/api/images/${image.id}`, { method: 'DELETE', token: w.users.owner.token })
      return api(`/api/images/${image.id}/restore`, { method: 'POST', token })
    },
  },
  {
    endpoint: 'DELETE /api/projects/{id}',
    expected: manage(204),
    call: async (w, token) => api(`/api/projects/${await freshProject(w, false)}`, { method: 'DELETE', token }),
  },
  {
    endpoint: 'POST /api/projects/{id}/restore',
    expected: manage(200),
    call: async (w, token) => api(`/api/projects/${await freshProject(w, true)}/restore`, { method: 'POST', token }),
  },
  { endpoint: 'GET /api/projects/{id}/trash', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/trash`, { token }) },
  {
    endpoint: 'GET /api/projects/{id}/groups/{id}',
    expected: READ,
    call: async (w, token) => {
      await createAnalysis(w.users.owner, w.imageId, { group_id: 'matrix-read' })
      return api(`/api/projects/${w.projectId}/groups/matrix-read`, { token })
    },
  },
  {
    endpoint: 'POST /api/projects/{id}/groups/{id}/cancel',
    expected: write(200),
    call: async (w, token) => {
      const group = crypto.randomUUID()
      await createAnalysis(w.users.owner, w.imageId, { group_id: group })
      return api(`/api/projects/${w.projectId}/groups/${group}/cancel`, { method: 'POST', token })
    },
  },
  {
    endpoint: 'DELETE /api/projects/{id}/groups/{id}',
    expected: write(204),
    call: async (w, token) => {
      const group = crypto.randomUUID()
      await createAnalysis(w.users.owner, w.imageId, { group_id: group })
      return api(`/api/projects/${w.projectId}/groups/${group}`, { method: 'DELETE', token })
    },
  },
  { endpoint: 'GET /api/metrics', expected: SIGNED_IN(200), call: (_w, token) => api('/api/metrics', { token }) },
  { endpoint: 'GET /api/slos', expected: SIGNED_IN(200), call: (_w, token) => api('/api/slos', { token }) },
  { endpoint: 'GET /api/trash/projects', expected: SIGNED_IN(200), call: (_w, token) => api('/api/trash/projects', { token }) },
  { endpoint: 'GET /api/projects/{id}/analyses', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/analyses`, { token }) },
  {
    endpoint: 'GET /api/projects/{id}/annotations',
    expected: READ,
    call: (w, token) => api(`/api/projects/${w.projectId}/annotations?class_name=cat`, { token }),
  },
  {
    endpoint: 'POST /api/projects/{id}/ground-truth',
    expected: write(201),
    call: (w, token) => api(`/api/projects/${w.projectId}/ground-truth?name=matrix`, { method: 'POST', token, json: GT_FILE }),
  },
  { endpoint: 'GET /api/projects/{id}/ground-truth', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/ground-truth`, { token }) },
  {
    endpoint: 'GET /api/projects/{id}/ground-truth/{id}',
    expected: READ,
    call: (w, token) => api(`/api/projects/${w.projectId}/ground-truth/${w.importId}`, { token }),
  },
  {
    endpoint: 'DELETE /api/projects/{id}/ground-truth/{id}',
    expected: write(204),
    call: async (w, token) => {
      const importId = await importGroundTruth(w.users.owner, w.projectId, 'to delete')
      return api(`/api/projects/${w.projectId}/ground-truth/${importId}`, { method: 'DELETE', token })
    },
  },
  { endpoint: 'GET /api/images/{id}/ground-truth', expected: READ, call: (w, token) => api(`/api/images/${w.gtImageId}/ground-truth`, { token }) },
  {
    endpoint: 'PUT /api/images/{id}/review-mark',
    expected: write(200),
    call: (w, token) => api(`/api/images/${w.gtImageId}/review-mark`, { method: 'PUT', token, json: { state: 'complete' } }),
  },
  { endpoint: 'GET /api/images/{id}/review-mark', expected: READ, call: (w, token) => api(`/api/images/${w.gtImageId}/review-mark`, { token }) },
  {
    endpoint: 'DELETE /api/images/{id}/review-mark',
    expected: write(204),
    call: async (w, token) => {
      const image = await uploadImage(w.users.owner, w.projectId)
      await api(`/api/images/${image.id}/review-mark`, { method: 'PUT', token: w.users.owner.token, json: { state: 'empty' } })
      return api(`/api/images/${image.id}/review-mark`, { method: 'DELETE', token })
    },
  },
  { endpoint: 'GET /api/projects/{id}/activity', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/activity`, { token }) },
  {
    endpoint: 'POST /api/projects/{id}/reviews/bulk',
    expected: write(200),
    call: (w, token) => api(`/api/projects/${w.projectId}/reviews/bulk`, { method: 'POST', token, json: { model_name: 'yolo_v8', model_version: '1.0.0', min_confidence: 0.99 } }),
  },
  { endpoint: 'GET /api/projects/{id}/reviews/bulk', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/reviews/bulk`, { token }) },
  {
    endpoint: 'POST /api/projects/{id}/reviews/undo',
    expected: write(200),
    call: async (w, token) => {
      const res = await api(`/api/projects/${w.projectId}/reviews/bulk`, { method: 'POST', token: w.users.owner.token, json: { model_name: 'yolo_v8', model_version: '1.0.0', min_confidence: 0.99 } })
      const { undo_token } = await res.json<{ undo_token: string }>()
      return api(`/api/projects/${w.projectId}/reviews/undo`, { method: 'POST', token, json: { undo_token } })
    },
  },
  {
    endpoint: 'GET /api/projects/{id}/review-queue',
    expected: READ,
    call: (w, token) => api(`/api/projects/${w.projectId}/review-queue?model=yolo_v8@1.0.0`, { token }),
  },
  {
    endpoint: 'GET /api/projects/{id}/compare',
    expected: READ,
    call: (w, token) => api(`/api/projects/${w.projectId}/compare?a=yolo_v8@1.0.0&b=yolo_v8@2`, { token }),
  },
  {
    endpoint: 'POST /api/projects/{id}/evaluations',
    expected: write(201),
    call: (w, token) => api(`/api/projects/${w.projectId}/evaluations`, { method: 'POST', token, json: EVALUATION }),
  },
  { endpoint: 'GET /api/projects/{id}/evaluations', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/evaluations`, { token }) },
  {
    endpoint: 'GET /api/evaluations/compare',
    expected: READ,
    call: (w, token) => api(`/api/evaluations/compare?a=${w.evaluationIds[0]}&b=${w.evaluationIds[1]}`, { token }),
  },
  { endpoint: 'GET /api/evaluations/{id}', expected: READ, call: (w, token) => api(`/api/evaluations/${w.evaluationIds[0]}`, { token }) },
  {
    endpoint: 'DELETE /api/evaluations/{id}',
    expected: write(204),
    call: async (w, token) => api(`/api/evaluations/${await evaluate(w.users.owner, w.projectId)}`, { method: 'DELETE', token }),
  },
  { endpoint: 'GET /api/evaluations/{id}/objects', expected: READ, call: (w, token) => api(`/api/evaluations/${w.evaluationIds[0]}/objects`, { token }) },
  { endpoint: 'GET /api/evaluations/{id}/images', expected: READ, call: (w, token) => api(`/api/evaluations/${w.evaluationIds[0]}/images`, { token }) },
  {
    endpoint: 'GET /api/evaluations/{id}/images/{id}',
    expected: READ,
    call: (w, token) => api(`/api/evaluations/${w.evaluationIds[0]}/images/${w.gtImageId}`, { token }),
  },
  {
    endpoint: 'GET /api/evaluations/{id}/confusion',
    expected: READ,
    call: (w, token) => api(`/api/evaluations/${w.evaluationIds[0]}/confusion?true_class=cat&predicted_class=cat`, { token }),
  },
  { endpoint: 'GET /api/evaluations/{id}/matches', expected: READ, call: (w, token) => api(`/api/evaluations/${w.evaluationIds[0]}/matches`, { token }) },
]

/** How the rows name an endpoint's second id, after the project's or the pipeline's. */
const SECOND_PARAM: Record<string, string> = { members: 'user_id', keys: 'key_id', secrets: 'secret_id', pipelines: 'pipeline_id' }

describe('access matrix', () => {
  let world: World

  beforeAll(async () => {
    const [owner, editor, viewer, outsider, bystander] = await Promise.all(
      ['owner', 'editor', 'viewer', 'outsider', 'bystander'].map((name) => createUser(name)),
    )
    const project = await createProject(owner!, 'Matrix')
    // The outsider has a project of their own: membership elsewhere must not leak into this one.
    await createProject(outsider!, 'Elsewhere')
    await addMember(owner!, project.id, editor!, 'editor')
    await addMember(owner!, project.id, viewer!, 'viewer')
    const image = await uploadImage(owner!, project.id)
    const [pipeline, otherPipeline] = [await registerPipeline(owner!, { name: 'mine' }), await registerPipeline(owner!, { name: 'another' })]
    await grant(owner!, project.id, pipeline!.id)
    await grant(owner!, project.id, otherPipeline!.id)
    // The analysis under test belongs to `pipeline`, so `other_pipeline` must not see it.
    const analysis = await createAsPipeline(pipeline!, image.id)
    const artifactPath = await uploadArtifact(analysis.id)
    const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [{ annotation_type: 'classification', class_name: 'cat', data: { score: 0.9 } }],
    })
    const annotationId = (await bulk.json<{ annotations: { id: string }[] }>()).annotations[0]!.id
    const job = await createJob(owner!, project.id, { inputs: { dataset: { format: 'coco', review: 'any' } } })
    await runJobAlarm(job.id)
    const batch = await createJob(owner!, project.id, { kind: 'batch_inference', model_name: 'det', model_version: '1' })
    const jobArtifactPath = await uploadJobArtifact(job.id, 'weights.bin', 'w')
    const version = (v: string) =>
      api(`/api/projects/${project.id}/model-versions`, { method: 'POST', token: owner!.token, json: { name: 'det', version: v } }).then((r) => r.json<{ id: string }>())
    const versionIds: [string, string] = [(await version('1')).id, (await version('2')).id]
    // Ground truth for one image, one yolo_v8@1.0.0 analysis of it, and two evaluations to compare.
    const gtImage = await uploadImage(owner!, project.id, undefined, 'gt.png')
    const importId = await importGroundTruth(owner!, project.id)
    await postResults({ owner: owner!, imageIds: new Map([[1, gtImage.id]]) }, GT_FILE, [{ image_id: 1, category_id: 1, bbox: [11, 11, 20, 20], score: 0.9 }])
    const evaluationIds: [string, string] = [await evaluate(owner!, project.id), await evaluate(owner!, project.id)]
    world = {
      users: { owner: owner!, editor: editor!, viewer: viewer!, outsider: outsider! },
      pipelines: { pipeline: pipeline!, other_pipeline: otherPipeline! },
      bystander: bystander!,
      projectId: project.id,
      imageId: image.id,
      analysisId: analysis.id,
      annotationId,
      artifactPath,
      jobId: job.id,
      batchJobId: batch.id,
      jobArtifactPath,
      versionIds,
      snapshotId: job.dataset_snapshot_id!,
      gtImageId: gtImage.id,
      importId,
      evaluationIds,
    }
  })

  describe.each(ROWS)('$endpoint', (row) => {
    it.each(CALLERS.map((caller) => ({ caller, status: row.expected[caller] })))('as $caller → $status', async ({ caller, status }) => {
      const token = caller === 'anonymous' ? undefined : caller === 'pipeline' || caller === 'other_pipeline' ? world.pipelines[caller].key : world.users[caller].token
      const res = await row.call(world, token)
      if (res.status !== status) expect.fail(`expected ${status}, got ${res.status}: ${await res.text()}`)
      if (res.webSocket) {
        res.webSocket.accept()
        res.webSocket.close(1000, 'done')
      }
      if (status < 300) await res.body?.cancel()
      if (status >= 400) {
        const code = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[status]
        expect(await res.json()).toMatchObject({ error: { code } })
      }
    })
  })

  it('covers every user endpoint in the OpenAPI document', async () => {
    const doc = await (await api('/api/openapi.json')).json<{ paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> }>()
    const userEndpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security?.some((s) => 'bearerAuth' in s))
        .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{[a-z_]*id\}/g, '{id}').replace(/\{id\}\/(members|keys|secrets|pipelines)\/\{id\}$/, (_, p: string) => `{id}/${p}/{${SECOND_PARAM[p]}}`)}`),
    )
    // /api/me is covered by auth.test.ts; everything else a user can call must be a row of the table.
    expect(userEndpoints.filter((e) => e !== 'GET /api/me').sort()).toEqual(ROWS.map((r) => r.endpoint).sort())
  })
})
