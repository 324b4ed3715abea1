import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, createAnalysis, createProject, createUser, signed, uploadImage, type TestUser } from './helpers'

const disposition = (res: Response) => /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1]

async function finalized(owner: TestUser, imageId: string, model: string, completedAt: string) {
  const a = await createAnalysis(owner, imageId, { model_name: model })
  expect((await signed('POST', `/api/analyses/${a.id}/finalize`, { status: 'completed' })).status).toBe(200)
  await env.DB.prepare('UPDATE analyses SET completed_at = ? WHERE id = ?').bind(completedAt, a.id).run()
  return a
}

describe('export file names', () => {
  it('differ for two analyses of one model completed in the same second, by the short analysis id', async () => {
    const owner = await createUser()
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    const at = '2025-01-15T10:30:00.123Z'
    const a = await finalized(owner, image.id, 'yolo_v8', at)
    const b = await finalized(owner, image.id, 'yolo_v8', '2025-01-15T10:30:00.456Z')
    for (const query of ['?format=json', '?format=csv', '?format=coco', '?format=coco&variant=results', '?format=yolo']) {
      const [nameA, nameB] = await Promise.all([a, b].map(async (x) => disposition(await api(`/api/analyses/${x.id}/export${query}`, { token: owner.token }))))
      expect(nameA, query).not.toBe(nameB)
      expect(nameA).toMatch(new RegExp(`^analysis_yolo_v8_20250115T103000Z_${a.id.slice(0, 8)}\\.`))
    }
    const bundle = disposition(await api(`/api/analyses/${a.id}/bundle`, { token: owner.token }))
    expect(bundle).toBe(`analysis_yolo_v8_20250115T103000Z_${a.id.slice(0, 8)}.bundle.zip`)
  })
})

describe('project dataset export with a model', () => {
  it('answers 404 with the envelope naming the known models for a model with no completed analysis', async () => {
    const owner = await createUser()
    const project = await createProject(owner)
    const image = await uploadImage(owner, project.id)
    await finalized(owner, image.id, 'det', '2025-01-01T00:00:00.000Z')
    await finalized(owner, image.id, 'seg', '2025-01-01T00:00:00.000Z')
    await createAnalysis(owner, image.id, { model_name: 'queued_only' })
    for (const model of ['nope', 'queued_only', 'DET']) {
      const res = await api(`/api/projects/${project.id}/export?format=coco&model=${model}`, { token: owner.token })
      expect(res.status, model).toBe(404)
      const body = await res.json<{ error: { code: string; message: string; details: { known_models: string[] } } }>()
      expect(body.error.code).toBe('not_found')
      expect(body.error.details.known_models).toEqual(['det', 'seg'])
      expect(body.error.message).toContain('det, seg')
    }
    expect((await api(`/api/projects/${project.id}/export?format=yolo&model=det`, { token: owner.token })).status).toBe(200)
  })
})
