import { describe, expect, it } from 'vitest'
import { analysisRow, api, createAnalysis, createUser, scenario, signed } from './helpers'

async function batch() {
  const { owner, project, image } = await scenario()
  const group = `batch-${crypto.randomUUID().slice(0, 8)}`
  const ids = []
  for (let i = 0; i < 4; i++) ids.push((await createAnalysis(owner, image.id, { group_id: group, model_version: i < 2 ? '1' : '2' })).id)
  const other = await createAnalysis(owner, image.id, { group_id: 'another' })
  // One done with 2 annotations, one halfway, two queued.
  await signed('PATCH', `/api/analyses/${ids[0]}/status`, { status: 'processing' })
  await signed('POST', `/api/analyses/${ids[0]}/annotations:bulk`, {
    annotations: ['a', 'b'].map((class_name) => ({ annotation_type: 'classification', class_name, data: { score: 0.5 } })),
  })
  expect((await signed('POST', `/api/analyses/${ids[0]}/finalize`, { status: 'completed' })).status).toBe(200)
  await signed('PATCH', `/api/analyses/${ids[1]}/status`, { status: 'processing', progress: 0.5 })
  return { owner, project, group, ids, other: other.id, base: `/api/projects/${project.id}/groups/${group}` }
}

describe('groups', () => {
  it("shows a group's status at a glance", async () => {
    const { owner, base } = await batch()
    const res = await api(base, { token: owner.token })
    expect(res.status).toBe(200)
    const g = await res.json<{ total: number; by_status: Record<string, number>; done: boolean; progress: number; annotations: number; models: { model_version: string; count: number }[] }>()
    expect(g).toMatchObject({ total: 4, done: false, annotations: 2 })
    expect(g.by_status).toEqual({ queued: 2, processing: 1, completed: 1, failed: 0, canceled: 0 })
    expect(g.progress).toBeCloseTo((1 + 0.5) / 4)
    expect(g.models.map((m) => [m.model_version, m.count]).sort()).toEqual([['1', 2], ['2', 2]])
  })

  it('cancels every active analysis of the group and nothing else', async () => {
    const { owner, base, ids, other } = await batch()
    const res = await api(`${base}/cancel`, { method: 'POST', token: owner.token })
    expect(await res.json()).toEqual({ canceled: 3, unchanged: 0, remaining: 0 })
    expect((await Promise.all(ids.map(analysisRow))).map((r) => r!.status)).toEqual(['completed', 'canceled', 'canceled', 'canceled'])
    expect((await analysisRow(other))!.status).toBe('queued')
    const g = await (await api(base, { token: owner.token })).json<{ done: boolean }>()
    expect(g.done).toBe(true)
  })

  it('deletes the group softly, so each analysis can still be restored', async () => {
    const { owner, base, ids, other } = await batch()
    expect((await api(base, { method: 'DELETE', token: owner.token })).status).toBe(204)
    expect((await api(base, { token: owner.token })).status).toBe(404)
    expect((await analysisRow(ids[1]!))!.status).toBe('canceled')
    expect((await api(`/api/analyses/${ids[0]}`, { token: owner.token })).status).toBe(404)
    expect((await api(`/api/analyses/${other}`, { token: owner.token })).status).toBe(200)
    expect((await api(`/api/analyses/${ids[0]}/restore`, { method: 'POST', token: owner.token })).status).toBe(200)
  })

  it('answers 404 for an unknown group or a non-member, 403 to a viewer who cancels', async () => {
    const { owner, project, base } = await batch()
    expect((await api(`/api/projects/${project.id}/groups/nope`, { token: owner.token })).status).toBe(404)
    const stranger = await createUser('stranger')
    expect((await api(base, { token: stranger.token })).status).toBe(404)
    const viewer = await createUser('viewer')
    await api(`/api/projects/${project.id}/members`, { method: 'POST', token: owner.token, json: { user_id: viewer.id, role: 'viewer' } })
    expect((await api(`${base}/cancel`, { method: 'POST', token: viewer.token })).status).toBe(403)
  })
})
