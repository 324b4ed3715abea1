import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { addMember, analysisStub, api, createAnalysis, createProject, createUser, signed, uploadImage, type TestUser } from '../../helpers'

/**
 * The small world one endpoint is attacked in: a project with an owner and a viewer, a stranger
 * outside it, an image, an analysis with one annotation, a pipeline the owner registered, and a
 * nonce already spent. `snapshot`
 * reads everything a write could change, so "a refused write changes nothing" is one comparison.
 */
export interface World {
  owner: TestUser
  viewer: TestUser
  stranger: TestUser
  projectId: string
  imageId: string
  analysisId: string
  annotationId: string
  pipelineId: string
  spentNonce: string
}

export async function createWorld(): Promise<World> {
  const [owner, viewer, stranger] = [await createUser('adv-owner'), await createUser('adv-viewer'), await createUser('adv-stranger')]
  const { id: projectId } = await createProject(owner, 'Adversarial')
  await addMember(owner, projectId, viewer, 'viewer')
  const { id: imageId } = await uploadImage(owner, projectId)
  const { id: analysisId } = await createAnalysis(owner, imageId)
  const spentNonce = `world-${crypto.randomUUID()}`
  const res = await signed(
    'POST',
    `/api/analyses/${analysisId}/annotations:bulk`,
    { annotations: [{ annotation_type: 'bounding_box', class_name: 'seed', confidence: 0.5, data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 } }] },
    { nonce: spentNonce },
  )
  if (res.status !== 200) throw new Error(`world: bulk ${res.status} ${await res.text()}`)
  const annotationId = (await res.json<{ annotations: { id: string }[] }>()).annotations[0]!.id
  await settle({ analysisId } as World)
  const registered = await api('/api/pipelines', { method: 'POST', token: owner.token, json: { name: 'adversarial', model_names: ['yolo_*'] } })
  if (registered.status !== 201) throw new Error(`world: pipeline ${registered.status} ${await registered.text()}`)
  const { id: pipelineId } = await registered.json<{ id: string }>()
  return { owner, viewer, stranger, projectId, imageId, analysisId, annotationId, pipelineId, spentNonce }
}

/** The ids a generated uuid may take, so that bodies name real things as often as random ones. */
export const worldUuids = (w: World) => [w.owner.id, w.viewer.id, w.stranger.id, w.projectId, w.imageId, w.analysisId, w.annotationId, w.pipelineId]
export const worldEmails = (w: World) => [w.owner.email, w.viewer.email, w.stranger.email]

/** Log lines reach viewers in frames the run object batches for 75 ms; one such frame, with room. */
const LOG_FRAME_WAIT_MS = 150

/**
 * Lets an accepted write finish what it deferred, so that none of it lands during the next,
 * refused, request: the run object's pending alarm (progress is written to D1 at most once a
 * second) runs now, and after log lines the pending live frame is waited for.
 */
export async function settle(w: Pick<World, 'analysisId'>, path = '') {
  if (path.endsWith('/logs')) await new Promise((resolve) => setTimeout(resolve, LOG_FRAME_WAIT_MS))
  await runDurableObjectAlarm(analysisStub(w.analysisId))
}

const withoutHeartbeat = (value: unknown) =>
  value !== null && typeof value === 'object' && 'last_callback_at' in value ? { ...value, last_callback_at: '(heartbeat)' } : value

const rows = (sql: string, ...params: unknown[]) => env.DB.prepare(sql).bind(...params)

/** Everything of the world's that a write through the API could change. */
export async function snapshot(w: World) {
  const d1 = await env.DB.batch([
    rows('SELECT * FROM projects WHERE owner_id = ?1 OR id = ?2 ORDER BY rowid', w.owner.id, w.projectId),
    rows('SELECT * FROM project_members WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1) ORDER BY rowid', w.owner.id),
    rows('SELECT * FROM images WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1) ORDER BY rowid', w.owner.id),
    rows('SELECT * FROM analyses WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1) ORDER BY rowid', w.owner.id),
    rows('SELECT * FROM annotations WHERE analysis_id = ? ORDER BY rowid', w.analysisId),
    rows('SELECT * FROM artifacts WHERE analysis_id = ? ORDER BY rowid', w.analysisId),
    // last_used_at moves on every authenticated request, refused or not; the rows themselves must not.
    rows('SELECT id, user_id, kind, token_hash, expires_at, revoked_at FROM api_tokens WHERE user_id IN (?, ?, ?) ORDER BY rowid', w.owner.id, w.viewer.id, w.stranger.id),
    rows('SELECT id, email, name FROM users WHERE id IN (?, ?, ?) ORDER BY rowid', w.owner.id, w.viewer.id, w.stranger.id),
    rows('SELECT * FROM pipelines WHERE created_by_id = ? ORDER BY rowid', w.owner.id),
    rows('SELECT * FROM pipeline_keys WHERE pipeline_id IN (SELECT id FROM pipelines WHERE created_by_id = ?) ORDER BY rowid', w.owner.id),
    rows('SELECT * FROM pipeline_secrets WHERE pipeline_id IN (SELECT id FROM pipelines WHERE created_by_id = ?) ORDER BY rowid', w.owner.id),
  ])
  const [projects, members, images, analyses, annotations, artifacts, tokens, users, pipelines, pipelineKeys, pipelineSecrets] = d1.map((r) => r.results)
  const object = await runInDurableObject(analysisStub(w.analysisId), (_instance, state) => {
    // Spent nonces are the one thing a refused but genuinely signed request is meant to leave behind.
    // So is the heartbeat: any authenticated callback proves the pipeline alive, even one refused.
    const kv = [...state.storage.kv.list()].filter(([key]) => !/nonce/i.test(key)).map(([key, value]) => [key, withoutHeartbeat(value)])
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
      .toArray()
      .map((t) => t.name)
      .filter((name) => !/nonce/i.test(name))
      .map((name) => [name, state.storage.sql.exec(`SELECT count(*) AS n, max(rowid) AS last FROM "${name}"`).one()])
    return JSON.parse(JSON.stringify({ kv: Object.fromEntries(kv), tables: Object.fromEntries(tables) }))
  })
  const objects = await env.BUCKET.list({ prefix: `ml_outputs/${w.analysisId}/` })
  return { projects, members, images, analyses, annotations, artifacts, tokens, users, pipelines, pipelineKeys, pipelineSecrets, object, r2: objects.objects.map((o) => [o.key, o.size, o.etag]) }
}
export type Snapshot = Awaited<ReturnType<typeof snapshot>>

export async function analysisStatus(w: World): Promise<string> {
  const row = await env.DB.prepare('SELECT status FROM analyses WHERE id = ?').bind(w.analysisId).first<{ status: string }>()
  return row!.status
}

/** Where two snapshots differ, path by path, for a failure message that says what changed. */
export function differences(before: unknown, after: unknown, path = '$'): string[] {
  if (Object.is(before, after)) return []
  if (typeof before !== 'object' || typeof after !== 'object' || before === null || after === null) {
    const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 200)
    return [`${path}: ${show(before)} → ${show(after)}`]
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...keys].flatMap((k) => differences((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], `${path}.${k}`))
}
