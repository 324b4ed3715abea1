import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { api, createProject, createUser, uploadImage } from './helpers'

async function imageWith(existing: number) {
  const owner = await createUser()
  const project = await createProject(owner)
  const image = await uploadImage(owner, project.id)
  await env.DB.batch(
    Array.from({ length: existing }, () =>
      env.DB.prepare(`INSERT INTO analyses (id, image_id, project_id, model_name, model_version, status) VALUES (?, ?, ?, 'm', '1', 'queued')`).bind(
        crypto.randomUUID(),
        image.id,
        project.id,
      ),
    ),
  )
  return { owner, image }
}

const liveCount = async (imageId: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM analyses WHERE image_id = ? AND deleted_at IS NULL').bind(imageId).first<{ n: number }>())!.n

const auditCount = async (imageId: string) =>
  (await env.DB.prepare(
    "SELECT count(*) AS n FROM audit_log WHERE action = 'analysis.created' AND target_id IN (SELECT id FROM analyses WHERE image_id = ?)",
  )
    .bind(imageId)
    .first<{ n: number }>())!.n

describe('the per-image analysis limit under concurrency', () => {
  it('lets exactly 5 of 10 concurrent creates through on an image with 45 analyses and a limit of 50', async () => {
    const { owner, image } = await imageWith(45)
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: String(i) } }),
      ),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 201, 201, 201, 409, 409, 409, 409, 409])
    for (const r of results.filter((r) => r.status === 409)) {
      expect(await r.json()).toMatchObject({ error: { code: 'analysis_limit_reached', details: { limit: 50 } } })
    }
    expect(await liveCount(image.id)).toBe(50)
    // Never a partial create: each created analysis has its audit row, and each refusal left none.
    expect(await auditCount(image.id)).toBe(5)
  })

  it('counts only live analyses: a soft-deleted one frees its place', async () => {
    const { owner, image } = await imageWith(50)
    await env.DB.prepare(`UPDATE analyses SET deleted_at = '2025-01-01T00:00:00Z' WHERE id = (SELECT id FROM analyses WHERE image_id = ? LIMIT 1)`).bind(image.id).run()
    const create = () => api(`/api/images/${image.id}/analyses`, { method: 'POST', token: owner.token, json: { model_name: 'm', model_version: '1' } })
    expect((await create()).status).toBe(201)
    expect((await create()).status).toBe(409)
  })
})
