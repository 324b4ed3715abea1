import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import astronautUrl from '../fixtures/images/astronaut.png?inline'
import rocketUrl from '../fixtures/images/rocket.jpg?inline'
import { addMember, api, bytesOfDataUrl, createAnalysis, createProject, createUser, PNG_1x1, sha256Of, signed, uploadImage } from './helpers'

const ASTRONAUT_PNG = bytesOfDataUrl(astronautUrl)
const ROCKET_JPEG = bytesOfDataUrl(rocketUrl)
// A real 1x1 lossless WebP (VP8L).
const WEBP_1x1 = Uint8Array.from(atob('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=='), (c) => c.charCodeAt(0))

/** A RIFF/WEBP container with a VP8L header for the given size: enough for a header-only reader. */
function vp8lHeader(width: number, height: number): Uint8Array {
  const bits = (width - 1) | ((height - 1) << 14)
  const payload = [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, (bits >>> 24) & 255, 0, 0, 0]
  const riff = [...new TextEncoder().encode('WEBPVP8L'), payload.length, 0, 0, 0, ...payload]
  return Uint8Array.from([...new TextEncoder().encode('RIFF'), riff.length, 0, 0, 0, ...riff])
}

interface Image {
  id: string
  project_id: string
  filename: string
  content_type: string
  width: number | null
  height: number | null
  bytes: number | null
  sha256: string | null
  status: 'pending' | 'ready'
  created_at: string
  url?: string
  analyses?: Record<string, number>
}

async function upload(token: string, projectId: string, bytes: Uint8Array, filename: string, type = 'application/octet-stream') {
  const form = new FormData()
  form.append('file', new File([bytes], filename, { type }))
  return api(`/api/projects/${projectId}/images`, { method: 'POST', token, body: form })
}

async function ownerWithProject() {
  const owner = await createUser('owner')
  const project = await createProject(owner, 'Photos')
  return { owner, project }
}

describe('projects', () => {
  it('creates a project and makes the caller its owner', async () => {
    const owner = await createUser()
    const res = await api('/api/projects', { method: 'POST', token: owner.token, json: { name: ' Demo ', description: 'four photos' } })
    expect(res.status).toBe(201)
    const project = await res.json<Record<string, unknown>>()
    expect(project).toMatchObject({ name: 'Demo', description: 'four photos', owner_id: owner.id, role: 'owner' })
    expect(project.id).toMatch(/^[0-9a-f-]{36}$/)
    const members = await (await api(`/api/projects/${project.id}/members`, { token: owner.token })).json<{ members: { user_id: string; role: string }[] }>()
    expect(members.members).toEqual([expect.objectContaining({ user_id: owner.id, role: 'owner' })])
  })

  it('rejects an empty name with the field path', async () => {
    const owner = await createUser()
    const res = await api('/api/projects', { method: 'POST', token: owner.token, json: { name: '   ' } })
    expect(res.status).toBe(400)
    const body = await res.json<{ error: { code: string; details: { issues: { path: string[] }[] } } }>()
    expect(body.error.code).toBe('validation_error')
    expect(body.error.details.issues[0]!.path).toEqual(['name'])
  })

  it('lists only the projects the caller belongs to, with their role', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const mine = await createProject(alice, 'Mine')
    const shared = await createProject(bob, 'Shared')
    await createProject(bob, 'Private')
    await addMember(bob, shared.id, alice, 'editor')
    const res = await api('/api/projects', { token: alice.token })
    const body = await res.json<{ projects: { id: string; role: string }[]; total: number }>()
    expect(body.total).toBe(2)
    expect(body.projects.map((p) => [p.id, p.role]).sort()).toEqual([[mine.id, 'owner'], [shared.id, 'editor']].sort())
  })

  it('gets one project', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}`, { token: owner.token })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id: project.id, name: 'Photos', role: 'owner' })
  })

  it('answers 404 for a project that does not exist and 400 for an id that is not a uuid', async () => {
    const owner = await createUser()
    expect((await api(`/api/projects/${crypto.randomUUID()}`, { token: owner.token })).status).toBe(404)
    expect((await api('/api/projects/not-a-uuid', { token: owner.token })).status).toBe(400)
  })

  it('adds a member by email and changes their role on a second add', async () => {
    const { owner, project } = await ownerWithProject()
    const ada = await createUser('ada')
    let res = await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { email: ada.email.toUpperCase(), role: 'viewer' } })
    expect(res.status).toBe(200)
    res = await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { user_id: ada.id, role: 'editor' } })
    const { members } = await res.json<{ members: { user_id: string; role: string }[] }>()
    expect(members.filter((m) => m.user_id === ada.id)).toEqual([expect.objectContaining({ role: 'editor' })])
  })

  it('answers 404 when adding a user who does not exist', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { email: 'nobody@example.com' } })
    expect(res.status).toBe(404)
  })

  it('requires exactly one of email and user_id', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { role: 'viewer' } })
    expect(res.status).toBe(400)
  })

  it('removes a member, who then loses access', async () => {
    const { owner, project } = await ownerWithProject()
    const ada = await createUser('ada')
    await addMember(owner, project.id, ada, 'editor')
    expect((await api(`/api/projects/${project.id}`, { token: ada.token })).status).toBe(200)
    expect((await api(`/api/projects/${project.id}/members/${ada.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(`/api/projects/${project.id}`, { token: ada.token })).status).toBe(404)
  })

  it('keeps at least one owner: the only owner cannot leave', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}/members/${owner.id}`, { method: 'DELETE', token: owner.token })
    expect(res.status).toBe(409)
  })

  it('keeps at least one owner: the only owner cannot demote themselves', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { user_id: owner.id, role: 'viewer' } })
    expect(res.status).toBe(409)
    expect(await (await api(`/api/projects/${project.id}`, { token: owner.token })).json()).toMatchObject({ role: 'owner' })
  })

  it('lets one of two owners step down', async () => {
    const { owner, project } = await ownerWithProject()
    const second = await createUser('second')
    await addMember(owner, project.id, second, 'owner')
    const res = await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { user_id: owner.id, role: 'editor' } })
    expect(res.status).toBe(200)
    expect(await (await api(`/api/projects/${project.id}`, { token: owner.token })).json()).toMatchObject({ role: 'editor' })
  })
})

describe('image upload', () => {
  it.each([
    ['PNG', () => ASTRONAUT_PNG, 'astronaut.png', 'image/png', 512, 512],
    ['JPEG', () => ROCKET_JPEG, 'rocket.jpg', 'image/jpeg', 640, 427],
    ['WebP (1x1 lossless)', () => WEBP_1x1, 'pixel.webp', 'image/webp', 1, 1],
    ['WebP (VP8L header)', () => vp8lHeader(300, 200), 'wide.webp', 'image/webp', 300, 200],
  ])('reads %s dimensions from the file header', async (_kind, bytes, filename, type, width, height) => {
    const { owner, project } = await ownerWithProject()
    const data = bytes()
    const res = await upload(owner.token, project.id, data, filename, type)
    expect(res.status, await res.clone().text()).toBe(201)
    const image = await res.json<Image>()
    expect(image).toMatchObject({ project_id: project.id, filename, content_type: type, width, height, bytes: data.byteLength, status: 'ready' })
    expect(image.sha256).toBe(await sha256Of(data))
  })

  it('stores the bytes in R2 under the project', async () => {
    const { owner, project } = await ownerWithProject()
    const image = await (await upload(owner.token, project.id, ROCKET_JPEG, 'rocket.jpg')).json<Image>()
    const object = await env.BUCKET.get(`images/${project.id}/${image.id}`)
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(ROCKET_JPEG)
    expect(object!.httpMetadata?.contentType).toBe('image/jpeg')
  })

  it('takes the content type from the bytes, not from the declared type or name', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await upload(owner.token, project.id, PNG_1x1, 'looks-like.jpg', 'image/jpeg')
    expect(await res.json()).toMatchObject({ content_type: 'image/png', width: 1, height: 1 })
  })

  it('rejects a file that is not an image with 400', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await upload(owner.token, project.id, new TextEncoder().encode('just some text, not pixels'), 'notes.png', 'image/png')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'validation_error' } })
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM images WHERE project_id = ?').bind(project.id).first<{ n: number }>()
    expect(rows!.n).toBe(0)
  })

  it('rejects a form without the file field', async () => {
    const { owner, project } = await ownerWithProject()
    const form = new FormData()
    form.append('other', 'x')
    const res = await api(`/api/projects/${project.id}/images`, { method: 'POST', token: owner.token, body: form })
    expect(res.status).toBe(400)
    const body = await res.json<{ error: { code: string; message: string } }>()
    expect(body.error.code).toBe('validation_error')
    expect(body.error.message).toMatch(/^file\b/)
  })

  it('answers 415 for a body that is not multipart', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}/images`, { method: 'POST', token: owner.token, body: PNG_1x1, headers: { 'Content-Type': 'image/png' } })
    expect(res.status).toBe(415)
  })

  it('answers 413 for a file over 25 MB', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await upload(owner.token, project.id, new Uint8Array(25 * 1024 * 1024 + 1), 'huge.png', 'image/png')
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } })
  })

  it('keeps only the last segment of a path-like filename', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await upload(owner.token, project.id, PNG_1x1, '../../etc/passwd.png')
    expect(await res.json()).toMatchObject({ filename: 'passwd.png' })
  })
})

describe('image listing and reading', () => {
  it('pages images newest first with total, skip and limit', async () => {
    const { owner, project } = await ownerWithProject()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await uploadImage(owner, project.id, PNG_1x1, `p${i}.png`)).id)
    const page1 = await (await api(`/api/projects/${project.id}/images?limit=2`, { token: owner.token })).json<{ images: Image[]; total: number; skip: number; limit: number }>()
    expect(page1).toMatchObject({ total: 3, skip: 0, limit: 2 })
    expect(page1.images.map((i) => i.id)).toEqual([ids[2], ids[1]])
    const page2 = await (await api(`/api/projects/${project.id}/images?skip=2&limit=2`, { token: owner.token })).json<{ images: Image[]; total: number }>()
    expect(page2.images.map((i) => i.id)).toEqual([ids[0]])
    expect(page2.total).toBe(3)
  })

  it('rejects a limit above 1000', async () => {
    const { owner, project } = await ownerWithProject()
    expect((await api(`/api/projects/${project.id}/images?limit=1001`, { token: owner.token })).status).toBe(400)
  })

  it('summarises each image’s analyses by status', async () => {
    const { owner, project } = await ownerWithProject()
    const plain = await uploadImage(owner, project.id)
    const analysed = await uploadImage(owner, project.id)
    await createAnalysis(owner, analysed.id)
    const done = await createAnalysis(owner, analysed.id)
    expect((await signed('POST', `/api/analyses/${done.id}/finalize`, { status: 'completed' })).status).toBe(200)
    const failed = await createAnalysis(owner, analysed.id)
    expect((await signed('POST', `/api/analyses/${failed.id}/finalize`, { status: 'failed', error_message: 'OOM' })).status).toBe(200)
    const { images } = await (await api(`/api/projects/${project.id}/images`, { token: owner.token })).json<{ images: Image[] }>()
    const byId = new Map(images.map((i) => [i.id, i.analyses]))
    expect(byId.get(analysed.id)).toEqual({ total: 3, queued: 1, processing: 0, completed: 1, failed: 1, canceled: 0 })
    expect(byId.get(plain.id)).toEqual({ total: 0, queued: 0, processing: 0, completed: 0, failed: 0, canceled: 0 })
  })

  it('gets one image with a short-lived URL that serves its bytes', async () => {
    const { owner, project } = await ownerWithProject()
    const image = await uploadImage(owner, project.id, ROCKET_JPEG, 'rocket.jpg')
    const res = await api(`/api/images/${image.id}`, { token: owner.token })
    const body = await res.json<Image & { url: string; url_expires_at: string }>()
    expect(body).toMatchObject({ id: image.id, width: 640, height: 427 })
    expect(Date.parse(body.url_expires_at) - Date.now()).toBeGreaterThan(800_000)
    const bytes = await exports.default.fetch(new Request(body.url))
    expect(bytes.status).toBe(200)
    expect(bytes.headers.get('Content-Type')).toBe('image/jpeg')
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(ROCKET_JPEG)
  })

  it('soft-deletes an image: it disappears from reads and lists but its row stays', async () => {
    const { owner, project } = await ownerWithProject()
    const keep = await uploadImage(owner, project.id)
    const gone = await uploadImage(owner, project.id)
    expect((await api(`/api/images/${gone.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(`/api/images/${gone.id}`, { token: owner.token })).status).toBe(404)
    expect((await api(`/api/images/${gone.id}`, { method: 'DELETE', token: owner.token })).status).toBe(404)
    const list = await (await api(`/api/projects/${project.id}/images`, { token: owner.token })).json<{ images: Image[]; total: number }>()
    expect(list.images.map((i) => i.id)).toEqual([keep.id])
    expect(list.total).toBe(1)
    const row = await env.DB.prepare('SELECT deleted_at FROM images WHERE id = ?').bind(gone.id).first<{ deleted_at: string | null }>()
    expect(row!.deleted_at).not.toBeNull()
    const analysis = await api(`/api/images/${gone.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: '1' } })
    expect(analysis.status).toBe(404)
  })
})

describe('presigned image upload', () => {
  async function ticket(token: string, projectId: string, contentType = 'image/jpeg') {
    const res = await api(`/api/projects/${projectId}/images/uploads`, { method: 'POST', token, json: { filename: 'rocket.jpg', content_type: contentType } })
    expect(res.status).toBe(201)
    return res.json<{ image: Image; upload_url: string; method: string; headers: Record<string, string>; expires_at: string }>()
  }

  it('hands out a pending image with a PUT URL and the headers to send', async () => {
    const { owner, project } = await ownerWithProject()
    const t = await ticket(owner.token, project.id)
    expect(t.image).toMatchObject({ status: 'pending', width: null, height: null, sha256: null, filename: 'rocket.jpg' })
    expect(t.method).toBe('PUT')
    expect(t.headers).toEqual({ 'Content-Type': 'image/jpeg' })
    expect(new URL(t.upload_url).pathname).toBe(`/s3/images/${project.id}/${t.image.id}`)
    expect(Date.parse(t.expires_at) - Date.now()).toBeGreaterThan(890_000)
  })

  it('completes after the PUT with width, height, bytes and sha256 read from the stored object', async () => {
    const { owner, project } = await ownerWithProject()
    const t = await ticket(owner.token, project.id)
    const put = await exports.default.fetch(new Request(t.upload_url, { method: 'PUT', headers: t.headers, body: ROCKET_JPEG }))
    expect(put.status).toBe(200)
    expect(put.headers.get('ETag')).toMatch(/^"[0-9a-f]+"$/)
    const res = await api(`/api/images/${t.image.id}/complete`, { method: 'POST', token: owner.token })
    expect(res.status).toBe(200)
    const image = await res.json<Image>()
    expect(image).toMatchObject({ id: t.image.id, status: 'ready', width: 640, height: 427, content_type: 'image/jpeg', bytes: ROCKET_JPEG.byteLength })
    expect(image.sha256).toBe(await sha256Of(ROCKET_JPEG))
    // Completing again changes nothing.
    expect(await (await api(`/api/images/${t.image.id}/complete`, { method: 'POST', token: owner.token })).json()).toEqual(image)
  })

  it('reads the full size and hash of an upload larger than the header window', async () => {
    const { owner, project } = await ownerWithProject()
    const t = await ticket(owner.token, project.id, 'image/png')
    expect((await exports.default.fetch(new Request(t.upload_url, { method: 'PUT', headers: t.headers, body: ASTRONAUT_PNG }))).status).toBe(200)
    const image = await (await api(`/api/images/${t.image.id}/complete`, { method: 'POST', token: owner.token })).json<Image>()
    expect(ASTRONAUT_PNG.byteLength).toBeGreaterThan(512 * 1024)
    expect(image).toMatchObject({ width: 512, height: 512, bytes: ASTRONAUT_PNG.byteLength, sha256: await sha256Of(ASTRONAUT_PNG) })
  })

  it('refuses to complete before anything was uploaded', async () => {
    const { owner, project } = await ownerWithProject()
    const t = await ticket(owner.token, project.id)
    const res = await api(`/api/images/${t.image.id}/complete`, { method: 'POST', token: owner.token })
    expect(res.status).toBe(409)
  })

  it('refuses a PUT with another content type than the ticket was signed for', async () => {
    const { owner, project } = await ownerWithProject()
    const t = await ticket(owner.token, project.id)
    const put = await exports.default.fetch(new Request(t.upload_url, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: PNG_1x1 }))
    expect(put.status).toBe(403)
  })

  it('rejects a ticket for a content type that is not an image', async () => {
    const { owner, project } = await ownerWithProject()
    const res = await api(`/api/projects/${project.id}/images/uploads`, {
      method: 'POST',
      token: owner.token,
      json: { filename: 'x.svg', content_type: 'image/svg+xml' },
    })
    expect(res.status).toBe(400)
  })
})
