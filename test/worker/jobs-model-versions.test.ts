import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, createAnalysis, createProject, createUser, sha256Of, signed, uploadImage, type TestUser } from './helpers'
import { createJob, finishJob, getJob, runJobAlarm, startJob, uploadJobArtifact, type Envelope } from './jobs-helpers'

interface Version {
  id: string
  name: string
  version: string
  job_id: string | null
  dataset_snapshot_id: string | null
  dataset_sha256: string | null
  metrics: Record<string, number>
  artifacts: { kind: string; storage_path: string | null; uri: string | null; sha256: string | null; bytes: number | null }[]
  provenance: Record<string, unknown>
}

interface Snapshot {
  id: string
  status: string
  sha256: string | null
  bytes: number | null
  image_count: number | null
}

const box = (class_name: string, confidence: number) => ({ annotation_type: 'bounding_box', class_name, confidence, data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 } })

/** A completed analysis of `image` by model/version with the given boxes. */
async function analysed(owner: TestUser, imageId: string, model: string, version: string, boxes: ReturnType<typeof box>[]) {
  const a = await createAnalysis(owner, imageId, { model_name: model, model_version: version })
  expect((await signed('POST', `/api/analyses/${a.id}/annotations:bulk`, { annotations: boxes })).status).toBe(200)
  expect((await signed('POST', `/api/analyses/${a.id}/finalize`, { status: 'completed' })).status).toBe(200)
  return a
}

describe('dataset snapshots frozen at job creation', () => {
  it('a training job’s dataset is frozen into R2 by its object, hashed, and the job is runnable only then', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const image = await uploadImage(owner, p.id)
    await analysed(owner, image.id, 'yolo_v8', '1', [box('cat', 0.9)])
    const job = await createJob(owner, p.id, { inputs: { dataset: { format: 'coco', review: 'any' } } })
    expect(job.dataset_snapshot_id).not.toBeNull()
    const early = await startJob(job.id)
    if (early.status === 409) expect((await early.json<Envelope>()).error.details).toMatchObject({ reason: 'dataset' })

    await runJobAlarm(job.id)
    const snapshot = await (await api(`/api/datasets/${job.dataset_snapshot_id}`, { token: owner.token })).json<Snapshot>()
    expect(snapshot).toMatchObject({ status: 'ready', image_count: 1 })
    expect(snapshot.sha256).toMatch(/^[0-9a-f]{64}$/)
    const zip = await api(`/api/datasets/${snapshot.id}/download`, { token: owner.token })
    expect(zip.status).toBe(200)
    const bytes = new Uint8Array(await zip.arrayBuffer())
    expect(await sha256Of(bytes)).toBe(snapshot.sha256)
    expect(bytes.length).toBe(snapshot.bytes)

    if (early.status === 409) expect((await startJob(job.id)).status).toBe(200)
    const inputs = await signed('POST', `/api/jobs/${job.id}/inputs`, {})
    expect(inputs.status).toBe(200)
    const body = await inputs.json<{ dataset: Snapshot & { download_url: string } }>()
    expect(body.dataset).toMatchObject({ id: snapshot.id, sha256: snapshot.sha256 })
    const fetched = new Uint8Array(await (await exports.default.fetch(new Request(body.dataset.download_url))).arrayBuffer())
    expect(await sha256Of(fetched)).toBe(snapshot.sha256)

    // Reused by id, the snapshot is the same bytes even after the project changed.
    await analysed(owner, image.id, 'yolo_v8', '1', [box('dog', 0.8)])
    await finishJob(job.id)
    const reuse = await createJob(owner, p.id, { inputs: { dataset: { snapshot_id: snapshot.id } } })
    expect(reuse.dataset_snapshot_id).toBe(snapshot.id)
    const again = await (await api(`/api/datasets/${snapshot.id}`, { token: owner.token })).json<Snapshot>()
    expect(again.sha256).toBe(snapshot.sha256)
    const list = await (await api(`/api/projects/${p.id}/datasets`, { token: owner.token })).json<{ total: number }>()
    expect(list.total).toBe(1)
   }, 30_000)

  it('a snapshot of another project is refused: 400 and no job', async () => {
    const owner = await createUser('owner')
    const a = await createProject(owner)
    const b = await createProject(owner, 'B')
    await uploadImage(owner, a.id)
    const job = await createJob(owner, a.id, { inputs: { dataset: { format: 'coco', review: 'any' } } })
    const res = await api(`/api/projects/${b.id}/jobs`, {
      method: 'POST',
      token: owner.token,
      json: { kind: 'training', model_name: 'x', inputs: { dataset: { snapshot_id: job.dataset_snapshot_id } } },
    })
    expect(res.status).toBe(400)
    const n = await env.DB.prepare('SELECT count(*) AS n FROM jobs WHERE project_id = ?').bind(b.id).first<{ n: number }>()
    expect(n?.n).toBe(0)
  })
})

describe('model versions', () => {
  it('a training job registers its version with its artifacts, its metrics by default, and links analyses that name it', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const image = await uploadImage(owner, p.id)
    // An analysis made before the version exists is linked when it is registered.
    const before = await analysed(owner, image.id, 'rescorer', '2', [box('cat', 0.5)])
    const job = await createJob(owner, p.id, { parameters: { epochs: 2 } })
    await startJob(job.id)
    await signed('POST', `/api/jobs/${job.id}/metrics`, { points: [{ name: 'loss', step: 0, value: 0.9 }, { name: 'loss', step: 1, value: 0.3 }] })
    const weights = await uploadJobArtifact(job.id, 'rescorer.json', '{"w":1}')
    const res = await signed('POST', `/api/jobs/${job.id}/model-versions`, {
      version: '2',
      artifacts: [{ kind: 'weights', storage_path: weights }],
      provenance: { container_image: 'ghcr.io/acme/rescorer:1', commit: 'abc123' },
    })
    expect(res.status).toBe(200)
    const v = await res.json<Version>()
    expect(v).toMatchObject({ name: 'rescorer', version: '2', job_id: job.id, metrics: { loss: 0.3 }, provenance: { commit: 'abc123', parameters: { epochs: 2 } } })
    expect(v.artifacts).toEqual([expect.objectContaining({ kind: 'weights', storage_path: weights, bytes: 7 })])
    // A retry from the same job returns the same version.
    const retry = await signed('POST', `/api/jobs/${job.id}/model-versions`, { version: '2', artifacts: [{ kind: 'weights', storage_path: weights }] })
    expect((await retry.json<Version>()).id).toBe(v.id)
    await finishJob(job.id)

    expect((await api(`/api/analyses/${before.id}`, { token: owner.token }).then((r) => r.json<{ model_version_id: string | null }>())).model_version_id).toBe(v.id)
    const after = await createAnalysis(owner, image.id, { model_name: 'rescorer', model_version: '2' })
    expect((await api(`/api/analyses/${after.id}`, { token: owner.token }).then((r) => r.json<{ model_version_id: string | null }>())).model_version_id).toBe(v.id)

    expect((await getJob(owner, job.id)).model_version_ids).toEqual([v.id])
    const list = await (await api(`/api/projects/${p.id}/model-versions?name=rescorer`, { token: owner.token })).json<{ model_versions: Version[]; total: number }>()
    expect(list.total).toBe(1)
    const lineage = await (await api(`/api/model-versions/${v.id}/lineage`, { token: owner.token })).json<{ training_job: { id: string }; analyses: { total: number } }>()
    expect(lineage.training_job.id).toBe(job.id)
    expect(lineage.analyses.total).toBe(2)
  })

  it('refuses an artifact that is not one of the job’s uploads, and writes no version', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const job = await createJob(owner, p.id)
    await startJob(job.id)
    const res = await signed('POST', `/api/jobs/${job.id}/model-versions`, { version: '1', artifacts: [{ kind: 'weights', storage_path: `jobs/${crypto.randomUUID()}/w.bin` }] })
    expect(res.status).toBe(400)
    const missing = await signed('POST', `/api/jobs/${job.id}/model-versions`, { version: '1', artifacts: [{ kind: 'weights', storage_path: `jobs/${job.id}/never.bin` }] })
    expect(missing.status).toBe(400)
    expect((await missing.json<Envelope>()).error.code).toBe('artifact_not_found')
    const n = await env.DB.prepare('SELECT count(*) AS n FROM model_versions WHERE project_id = ?').bind(p.id).first<{ n: number }>()
    expect(n?.n).toBe(0)
  })

  it('a person registers a version trained elsewhere; the same name and version twice is 409', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const body = { name: 'yolo_v8', version: '1.0.0', metrics: { map: 0.5 }, artifacts: [{ kind: 'weights', uri: 'hf://acme/yolo/weights.pt' }] }
    const res = await api(`/api/projects/${p.id}/model-versions`, { method: 'POST', token: owner.token, json: body })
    expect(res.status).toBe(201)
    const v = await res.json<Version>()
    expect(v.artifacts[0]).toMatchObject({ uri: 'hf://acme/yolo/weights.pt', storage_path: null, filename: 'weights.pt' })
    const dup = await api(`/api/projects/${p.id}/model-versions`, { method: 'POST', token: owner.token, json: body })
    expect(dup.status).toBe(409)
    const both = await api(`/api/projects/${p.id}/model-versions`, {
      method: 'POST',
      token: owner.token,
      json: { name: 'x', version: '1', artifacts: [{ kind: 'weights', uri: 'hf://a', storage_path: 'jobs/a/b' }] },
    })
    expect(both.status).toBe(400)
    expect((await api(`/api/model-versions/${v.id}`, { token: owner.token })).status).toBe(200)
    const stranger = await createUser('stranger')
    expect((await api(`/api/model-versions/${v.id}`, { token: stranger.token })).status).toBe(404)
  })

  it('compares two versions class by class on the images both analysed', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const [one, two] = [await uploadImage(owner, p.id), await uploadImage(owner, p.id)]
    const register = async (version: string) =>
      (await api(`/api/projects/${p.id}/model-versions`, { method: 'POST', token: owner.token, json: { name: 'det', version } })).json<Version>()
    const [base, candidate] = [await register('1'), await register('2')]
    await analysed(owner, one.id, 'det', '1', [box('cat', 0.9), box('dog', 0.8)])
    await analysed(owner, two.id, 'det', '1', [box('cat', 0.1)])
    await analysed(owner, one.id, 'det', '2', [box('cat', 0.5), box('dog', 0.8)])
    const res = await api(`/api/projects/${p.id}/model-versions/compare?base=${base.id}&candidate=${candidate.id}`, { token: owner.token })
    expect(res.status).toBe(200)
    const cmp = await res.json<{ images: Record<string, number>; classes: { class_name: string; mean_confidence_delta: number | null }[] }>()
    expect(cmp.images).toEqual({ base: 2, candidate: 1, common: 1 })
    const cat = cmp.classes.find((c) => c.class_name === 'cat')!
    expect(cat.mean_confidence_delta).toBeCloseTo(-0.4)
    expect(cmp.classes.find((c) => c.class_name === 'dog')!.mean_confidence_delta).toBeCloseTo(0)
  })
})

describe('model aliases', () => {
  it('promoting a version moves the alias to it from the version that held it; removing it leaves none', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const register = async (version: string) =>
      (await api(`/api/projects/${p.id}/model-versions`, { method: 'POST', token: owner.token, json: { name: 'det', version } })).json<Version>()
    const [v1, v2] = [await register('1'), await register('2')]
    const promote = (id: string, alias: string) => api(`/api/model-versions/${id}/promote`, { method: 'POST', token: owner.token, json: { alias } })
    expect((await promote(v1.id, 'production')).status).toBe(200)
    expect((await promote(v2.id, 'staging')).status).toBe(200)
    const moved = await promote(v2.id, 'production')
    expect(await moved.json()).toMatchObject({ name: 'det', alias: 'production', model_version_id: v2.id, version: '2' })
    const list = async () => (await (await api(`/api/projects/${p.id}/model-aliases`, { token: owner.token })).json<{ aliases: { alias: string; version: string }[] }>()).aliases
    expect((await list()).map((a) => [a.alias, a.version])).toEqual([
      ['production', '2'],
      ['staging', '2'],
    ])
    const audit = await env.DB.prepare("SELECT details FROM audit_log WHERE action = 'model_version.promoted' AND target_id = ? ORDER BY rowid DESC").bind(v2.id).first<{ details: string }>()
    expect(JSON.parse(audit!.details)).toMatchObject({ alias: 'production', previous_model_version_id: v1.id })

    expect((await api(`/api/projects/${p.id}/model-aliases/det/staging`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await list()).map((a) => a.alias)).toEqual(['production'])
    expect((await api(`/api/projects/${p.id}/model-aliases/det/staging`, { method: 'DELETE', token: owner.token })).status).toBe(404)
  })

  it('a job naming @alias applies the version the alias points at when the job is created', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    await uploadImage(owner, p.id)
    const v = await (await api(`/api/projects/${p.id}/model-versions`, { method: 'POST', token: owner.token, json: { name: 'det', version: '7' } })).json<Version>()
    await api(`/api/model-versions/${v.id}/promote`, { method: 'POST', token: owner.token, json: { alias: 'production' } })
    const job = await createJob(owner, p.id, { kind: 'batch_inference', model_name: 'det', model_version: '@production' })
    expect(job).toMatchObject({ model_version: '7', model_version_id: v.id, inputs: { model_alias: 'production' } })
    const unknown = await api(`/api/projects/${p.id}/jobs`, { method: 'POST', token: owner.token, json: { kind: 'evaluation', model_name: 'det', model_version: '@nope' } })
    expect(unknown.status).toBe(400)
    expect((await unknown.json<Envelope>()).error.details).toMatchObject({ path: ['model_version'] })
  })

  it('refuses an alias that is not a plain lower-case name, and writes nothing', async () => {
    const owner = await createUser('owner')
    const p = await createProject(owner)
    const v = await (await api(`/api/projects/${p.id}/model-versions`, { method: 'POST', token: owner.token, json: { name: 'det', version: '1' } })).json<Version>()
    const res = await api(`/api/model-versions/${v.id}/promote`, { method: 'POST', token: owner.token, json: { alias: 'Prod Uction' } })
    expect(res.status).toBe(400)
    expect((await res.json<Envelope>()).error.code).toBe('validation_error')
    const n = await env.DB.prepare('SELECT count(*) AS n FROM model_aliases WHERE project_id = ?').bind(p.id).first<{ n: number }>()
    expect(n?.n).toBe(0)
  })
})
