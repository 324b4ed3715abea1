import { exports } from 'cloudflare:workers'
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

type Caller = 'owner' | 'editor' | 'viewer' | 'outsider' | 'anonymous'
const CALLERS: Caller[] = ['owner', 'editor', 'viewer', 'outsider', 'anonymous']

interface World {
  users: Record<Exclude<Caller, 'anonymous'>, TestUser>
  bystander: TestUser
  projectId: string
  imageId: string
  analysisId: string
  annotationId: string
  artifactPath: string
}

interface Row {
  endpoint: string
  expected: Record<Caller, number>
  /** Runs the request as `token`; rows that change state build their own target first, as the owner. */
  call: (w: World, token: string | undefined) => Promise<Response>
}

// Reads: members see it, outsiders are told it does not exist, strangers must sign in.
const READ = { owner: 200, editor: 200, viewer: 200, outsider: 404, anonymous: 401 }
// Writes: viewers may look but not touch.
const write = (ok: number) => ({ owner: ok, editor: ok, viewer: 403, outsider: 404, anonymous: 401 })
// Member management belongs to owners.
const manage = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, outsider: 404, anonymous: 401 })
// Not scoped to a project: any signed-in user.
const SIGNED_IN = (ok: number) => ({ owner: ok, editor: ok, viewer: ok, outsider: ok, anonymous: 401 })

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

const ROWS: Row[] = [
  {
    endpoint: 'POST /api/projects',
    expected: SIGNED_IN(201),
    call: (_w, token) => api('/api/projects', { method: 'POST', token, json: { name: 'Mine' } }),
  },
  { endpoint: 'GET /api/projects', expected: SIGNED_IN(200), call: (_w, token) => api('/api/projects', { token }) },
  { endpoint: 'GET /api/projects/{id}', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}`, { token }) },
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
  { endpoint: 'GET /api/projects/{id}/images', expected: READ, call: (w, token) => api(`/api/projects/${w.projectId}/images`, { token }) },
  { endpoint: 'GET /api/images/{id}', expected: READ, call: (w, token) => api(`/api/images/${w.imageId}`, { token }) },
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
    expected: write(201),
    call: (w, token) => api(`/api/images/${w.imageId}/analyses`, { method: 'POST', token, json: { model_name: 'yolo_v8', model_version: '1' } }),
  },
  { endpoint: 'GET /api/images/{id}/analyses', expected: READ, call: (w, token) => api(`/api/images/${w.imageId}/analyses`, { token }) },
  { endpoint: 'GET /api/analyses/{id}', expected: READ, call: (w, token) => api(`/api/analyses/${w.analysisId}`, { token }) },
  {
    endpoint: 'GET /api/analyses/{id}/annotations',
    expected: READ,
    call: (w, token) => api(`/api/analyses/${w.analysisId}/annotations`, { token }),
  },
  { endpoint: 'GET /api/analyses/{id}/logs', expected: READ, call: (w, token) => api(`/api/analyses/${w.analysisId}/logs`, { token }) },
  {
    endpoint: 'GET /api/analyses/{id}/live',
    // Members get the WebSocket; the check happens before the upgrade, so others never get a socket.
    expected: { owner: 101, editor: 101, viewer: 101, outsider: 404, anonymous: 401 },
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
]

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
    const analysis = await createAnalysis(owner!, image.id)
    const artifactPath = await uploadArtifact(analysis.id)
    const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [{ annotation_type: 'classification', class_name: 'cat', data: { score: 0.9 } }],
    })
    const annotationId = (await bulk.json<{ annotations: { id: string }[] }>()).annotations[0]!.id
    world = {
      users: { owner: owner!, editor: editor!, viewer: viewer!, outsider: outsider! },
      bystander: bystander!,
      projectId: project.id,
      imageId: image.id,
      analysisId: analysis.id,
      annotationId,
      artifactPath,
    }
  })

  describe.each(ROWS)('$endpoint', (row) => {
    it.each(CALLERS.map((caller) => ({ caller, status: row.expected[caller] })))('as $caller → $status', async ({ caller, status }) => {
      const token = caller === 'anonymous' ? undefined : world.users[caller].token
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
        .map(([method]) => `${method.toUpperCase()} ${path.replace(/\{[a-z_]*id\}/g, '{id}').replace('{id}/members/{id}', '{id}/members/{user_id}')}`),
    )
    // /api/me is covered by auth.test.ts; everything else a user can call must be a row of the table.
    expect(userEndpoints.filter((e) => e !== 'GET /api/me').sort()).toEqual(ROWS.map((r) => r.endpoint).sort())
  })
})
