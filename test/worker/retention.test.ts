import { createScheduledController, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index'
import { purgeDeleted } from '../../src/retention/purge'
import { addMember, analysisRow, analysisStub, api, createAnalysis, createUser, scenario, signed, uploadArtifact, uploadImage } from './helpers'

const DAY = 86_400_000
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString()

async function backdate(table: 'analyses' | 'images' | 'projects', id: string, days: number) {
  await env.DB.prepare(`UPDATE ${table} SET deleted_at = ? WHERE id = ? AND deleted_at IS NOT NULL`).bind(daysAgo(days), id).run()
}

const runCron = () => worker.scheduled(createScheduledController({ cron: '17 * * * *', scheduledTime: Date.now() }), env)

const auditActions = async (targetId: string) =>
  (await env.DB.prepare('SELECT action FROM audit_log WHERE target_id = ? ORDER BY id').bind(targetId).all<{ action: string }>()).results.map((r) => r.action)

/** A finished analysis with everything a run leaves behind: annotations, an artifact, a log chunk in R2, events in its object. */
async function fullAnalysis() {
  const s = await scenario()
  const id = s.analysis.id
  await signed('PATCH', `/api/analyses/${id}/status`, { status: 'processing' })
  await signed('POST', `/api/analyses/${id}/logs`, { lines: [{ ts: new Date().toISOString(), level: 'info', message: 'hello' }] })
  const artifact = await uploadArtifact(id)
  const bulk = await signed('POST', `/api/analyses/${id}/annotations:bulk`, {
    annotations: Array.from({ length: 30 }, (_, i) => ({ annotation_type: 'classification', class_name: `c${i}`, data: { score: 0.5 } })),
  })
  expect(bulk.status).toBe(200)
  expect((await signed('POST', `/api/analyses/${id}/finalize`, { status: 'completed' })).status).toBe(200)
  return { ...s, artifact }
}

describe('soft delete and restore', () => {
  it('deletes an analysis softly: gone from reads, listed in the trash, back after a restore', async () => {
    const { owner, image, analysis } = await scenario()
    expect((await api(`/api/analyses/${analysis.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(`/api/analyses/${analysis.id}`, { token: owner.token })).status).toBe(404)
    const listed = await (await api(`/api/images/${image.id}/analyses`, { token: owner.token })).json<{ total: number }>()
    expect(listed.total).toBe(0)
    expect((await analysisRow(analysis.id))!.deleted_at).not.toBeNull()

    const trash = await (await api(`/api/projects/${(await analysisRow(analysis.id))!.project_id}/trash`, { token: owner.token })).json<{
      analyses: { id: string; deleted_at: string; restorable_until: string; with_image: boolean }[]
      retention_days: number
    }>()
    expect(trash.retention_days).toBe(30)
    const entry = trash.analyses.find((a) => a.id === analysis.id)!
    expect(Date.parse(entry.restorable_until) - Date.parse(entry.deleted_at)).toBe(30 * DAY)
    expect(entry.with_image).toBe(false)

    const restored = await api(`/api/analyses/${analysis.id}/restore`, { method: 'POST', token: owner.token })
    expect(restored.status).toBe(200)
    expect((await api(`/api/analyses/${analysis.id}`, { token: owner.token })).status).toBe(200)
    expect(await auditActions(analysis.id)).toEqual(expect.arrayContaining(['analysis.deleted', 'analysis.restored']))
  })

  it('cancels a running analysis before deleting it, so its pipeline hears it should stop', async () => {
    const { owner, analysis } = await scenario()
    await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    expect((await api(`/api/analyses/${analysis.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await analysisRow(analysis.id))!.status).toBe('canceled')
    const callback = await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.5 })
    expect(callback.status).toBe(409)
    expect((await callback.json<{ error: { code: string } }>()).error.code).toBe('analysis_canceled')
  })

  it('hides the analyses of a deleted image, and brings back with it only those the image delete took', async () => {
    const { owner, project, image, analysis } = await scenario()
    const earlier = await createAnalysis(owner, image.id)
    await api(`/api/analyses/${earlier.id}`, { method: 'DELETE', token: owner.token })
    expect((await api(`/api/images/${image.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    // The analysis is reachable by nothing once its image is gone: not by id, not its export.
    expect((await api(`/api/analyses/${analysis.id}`, { token: owner.token })).status).toBe(404)
    expect((await api(`/api/analyses/${analysis.id}/export`, { token: owner.token })).status).toBe(404)
    const alone = await api(`/api/analyses/${analysis.id}/restore`, { method: 'POST', token: owner.token })
    expect(alone.status).toBe(409)
    const trash = await (await api(`/api/projects/${project.id}/trash`, { token: owner.token })).json<{ analyses: { id: string; with_image: boolean }[] }>()
    expect(trash.analyses.find((a) => a.id === analysis.id)!.with_image).toBe(true)
    expect(trash.analyses.find((a) => a.id === earlier.id)!.with_image).toBe(false)

    expect((await api(`/api/images/${image.id}/restore`, { method: 'POST', token: owner.token })).status).toBe(200)
    expect((await api(`/api/analyses/${analysis.id}`, { token: owner.token })).status).toBe(200)
    expect((await api(`/api/analyses/${earlier.id}`, { token: owner.token })).status).toBe(404)
  })

  it('deletes a project for its owners only, and restores it with its images and analyses', async () => {
    const { owner, project, image, analysis } = await scenario()
    const editor = await createUser('editor')
    await addMember(owner, project.id, editor, 'editor')
    expect((await api(`/api/projects/${project.id}`, { method: 'DELETE', token: editor.token })).status).toBe(403)
    expect((await api(`/api/projects/${project.id}`, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(`/api/projects/${project.id}`, { token: owner.token })).status).toBe(404)
    expect((await api(`/api/images/${image.id}`, { token: owner.token })).status).toBe(404)
    const deleted = await (await api('/api/trash/projects', { token: owner.token })).json<{ projects: { id: string; restorable_until: string }[] }>()
    expect(deleted.projects.map((p) => p.id)).toContain(project.id)
    expect((await (await api('/api/trash/projects', { token: editor.token })).json<{ projects: unknown[] }>()).projects).toEqual([])
    expect((await api(`/api/projects/${project.id}/restore`, { method: 'POST', token: editor.token })).status).toBe(403)
    const restored = await api(`/api/projects/${project.id}/restore`, { method: 'POST', token: owner.token })
    expect(restored.status).toBe(200)
    expect((await restored.json<{ id: string; role: string }>()).role).toBe('owner')
    expect((await api(`/api/images/${image.id}`, { token: owner.token })).status).toBe(200)
    expect((await api(`/api/analyses/${analysis.id}`, { token: editor.token })).status).toBe(200)
  })

  it('refuses a restore once the retention period is over', async () => {
    const { owner, analysis } = await scenario()
    await api(`/api/analyses/${analysis.id}`, { method: 'DELETE', token: owner.token })
    await backdate('analyses', analysis.id, 31)
    const res = await api(`/api/analyses/${analysis.id}/restore`, { method: 'POST', token: owner.token })
    expect(res.status).toBe(404)
  })
})

describe('the retention purge (Cron Trigger)', () => {
  it('leaves nothing of a purged analysis: no rows, no R2 objects, no object storage', async () => {
    const { owner, analysis, artifact } = await fullAnalysis()
    const prefix = `ml_outputs/${analysis.id}/`
    const before = await env.BUCKET.list({ prefix })
    expect(before.objects.map((o) => o.key).sort()).toEqual([artifact, `${prefix}logs/000000.jsonl`].sort())
    expect(await runInDurableObject(analysisStub(analysis.id), (_o, state) => [...state.storage.kv.list()].length)).toBeGreaterThan(0)

    await api(`/api/analyses/${analysis.id}`, { method: 'DELETE', token: owner.token })
    await backdate('analyses', analysis.id, 31)
    await runCron()

    expect((await env.BUCKET.list({ prefix })).objects).toEqual([])
    const leftInObject = await runInDurableObject(analysisStub(analysis.id), async (_o, state) => ({
      kv: [...state.storage.kv.list()].length,
      tables: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray(),
      alarm: await state.storage.getAlarm(),
    }))
    expect(leftInObject).toEqual({ kv: 0, tables: [], alarm: null })
    for (const table of ['analyses', 'annotations', 'artifacts']) {
      const column = table === 'analyses' ? 'id' : 'analysis_id'
      const n = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).bind(analysis.id).first<{ n: number }>()
      expect(n!.n, table).toBe(0)
    }
    expect(await auditActions(analysis.id)).toContain('analysis.purged')
    // The object answers as if the analysis never existed, to its users and to a late pipeline callback.
    expect((await api(`/api/analyses/${analysis.id}/logs`, { token: owner.token })).status).toBe(404)
    const late = await signed('POST', `/api/analyses/${analysis.id}/progress`, { progress: 0.9 })
    expect(late.status).toBe(404)
  })

  it('purges a deleted project bottom-up: analyses, image bytes, images, the project and its members', async () => {
    const { owner, project, image, analysis } = await fullAnalysis()
    const second = await uploadImage(owner, project.id)
    const imageKeys = [image.id, second.id].map((id) => `images/${project.id}/${id}`)
    expect(await Promise.all(imageKeys.map(async (k) => (await env.BUCKET.head(k)) !== null))).toEqual([true, true])
    await api(`/api/projects/${project.id}`, { method: 'DELETE', token: owner.token })
    await backdate('projects', project.id, 40)
    await runCron()
    expect(await Promise.all(imageKeys.map((k) => env.BUCKET.head(k)))).toEqual([null, null])
    expect((await env.BUCKET.list({ prefix: `ml_outputs/${analysis.id}/` })).objects).toEqual([])
    for (const [sql, id] of [
      ['SELECT count(*) AS n FROM projects WHERE id = ?', project.id],
      ['SELECT count(*) AS n FROM project_members WHERE project_id = ?', project.id],
      ['SELECT count(*) AS n FROM images WHERE project_id = ?', project.id],
      ['SELECT count(*) AS n FROM analyses WHERE project_id = ?', project.id],
    ] as const) {
      expect((await env.DB.prepare(sql).bind(id).first<{ n: number }>())!.n, sql).toBe(0)
    }
    expect(await auditActions(project.id)).toContain('project.purged')
    expect(await auditActions(image.id)).toContain('image.purged')
  })

  it('keeps what is live and what was deleted within the retention period', async () => {
    const { owner, image, analysis } = await scenario()
    const recent = await createAnalysis(owner, image.id)
    await api(`/api/analyses/${recent.id}`, { method: 'DELETE', token: owner.token })
    await backdate('analyses', recent.id, 29)
    await runCron()
    expect(await analysisRow(analysis.id)).not.toBeNull()
    expect(await analysisRow(recent.id)).not.toBeNull()
    expect((await api(`/api/analyses/${recent.id}/restore`, { method: 'POST', token: owner.token })).status).toBe(200)
  })

  it('works in bounded batches: a small budget stops part-way and the next run finishes', async () => {
    const { owner, image } = await scenario()
    const ids = [(await createAnalysis(owner, image.id)).id, (await createAnalysis(owner, image.id)).id, (await createAnalysis(owner, image.id)).id]
    for (const id of ids) {
      await api(`/api/analyses/${id}`, { method: 'DELETE', token: owner.token })
      await backdate('analyses', id, 60)
    }
    const first = await purgeDeleted(env, { operations: 12 })
    expect(first.more).toBe(true)
    expect(first.operations).toBeLessThanOrEqual(12)
    let rounds = 0
    while ((await Promise.all(ids.map(analysisRow))).some(Boolean) && rounds++ < 20) await purgeDeleted(env, { operations: 12 })
    expect(await Promise.all(ids.map(analysisRow))).toEqual([null, null, null])
  })
})
