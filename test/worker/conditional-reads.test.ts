import { describe, expect, it } from 'vitest'
import { api, createUser, scenario, signed, type TestUser } from './helpers'

/** Reads `path` twice, the second time with the first answer's ETag; returns both answers. */
async function revalidate(path: string, token: string) {
  const first = await api(path, { token })
  expect(first.status).toBe(200)
  const tag = first.headers.get('ETag')
  expect(tag).toMatch(/^(W\/)?"[0-9a-f]{40}"$/)
  expect(first.headers.get('Cache-Control')).toBe('private, no-cache')
  const body = await first.text()
  const second = await api(path, { token, headers: { 'If-None-Match': tag! } })
  return { tag: tag!, body, second }
}

const bulk = (id: string, classes: string[]) =>
  signed('POST', `/api/analyses/${id}/annotations:bulk`, {
    annotations: classes.map((class_name) => ({ annotation_type: 'classification', class_name, data: { score: Math.random() } })),
  })

async function analysisWithAnnotations(): Promise<{ owner: TestUser; id: string; imageId: string }> {
  const { owner, analysis, image } = await scenario()
  await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
  expect((await bulk(analysis.id, ['cat', 'dog'])).status).toBe(200)
  return { owner, id: analysis.id, imageId: image.id }
}

describe('ETag and If-None-Match', () => {
  it('answers 304 with no body to a read of an unchanged analysis, keeping the ETag and Cache-Control', async () => {
    const { owner, id } = await analysisWithAnnotations()
    const { tag, body, second } = await revalidate(`/api/analyses/${id}`, owner.token)
    expect(JSON.parse(body).annotations).toHaveLength(2)
    expect(second.status).toBe(304)
    expect(await second.text()).toBe('')
    expect(second.headers.get('ETag')).toBe(tag)
    expect(second.headers.get('Cache-Control')).toBe('private, no-cache')
  })

  it('changes the analysis ETag when annotations arrive, when one is reviewed, and when the status moves', async () => {
    const { owner, id } = await analysisWithAnnotations()
    const tags = [(await revalidate(`/api/analyses/${id}`, owner.token)).tag]
    const next = async () => {
      const res = await api(`/api/analyses/${id}`, { token: owner.token, headers: { 'If-None-Match': tags.at(-1)! } })
      expect(res.status).toBe(200)
      tags.push(res.headers.get('ETag')!)
      return res.json<{ annotations: { id: string }[] }>()
    }
    expect((await bulk(id, ['bird'])).status).toBe(200)
    const { annotations } = await next()
    expect((await api(`/api/annotations/${annotations[0]!.id}/review`, { method: 'PATCH', token: owner.token, json: { state: 'accepted' } })).status).toBe(200)
    await next()
    expect((await signed('POST', `/api/analyses/${id}/finalize`, { status: 'completed' })).status).toBe(200)
    await next()
    expect(new Set(tags).size).toBe(4)
  })

  it('revalidates an annotation page, with a tag of its own for each query', async () => {
    const { owner, id } = await analysisWithAnnotations()
    const all = await revalidate(`/api/analyses/${id}/annotations`, owner.token)
    expect(all.second.status).toBe(304)
    const cats = await revalidate(`/api/analyses/${id}/annotations?class_name=cat`, owner.token)
    expect(cats.second.status).toBe(304)
    expect(cats.tag).not.toBe(all.tag)
    expect((await bulk(id, ['cat'])).status).toBe(200)
    expect((await api(`/api/analyses/${id}/annotations?class_name=cat`, { token: owner.token, headers: { 'If-None-Match': cats.tag } })).status).toBe(200)
  })

  it('revalidates an image read, whose URL stays the same while the tag does', async () => {
    const { owner, imageId } = await analysisWithAnnotations()
    const { body, second } = await revalidate(`/api/images/${imageId}`, owner.token)
    expect(second.status).toBe(304)
    const again = await (await api(`/api/images/${imageId}`, { token: owner.token })).json<{ url: string; url_expires_at: string }>()
    expect(again.url).toBe(JSON.parse(body).url)
    // Handed out with at least half of its 15 minutes left.
    expect(Date.parse(again.url_expires_at) - Date.now()).toBeGreaterThan(7.5 * 60_000 - 5_000)
  })

  it('never answers 304 to someone who may not read the thing', async () => {
    const { owner, id } = await analysisWithAnnotations()
    const { tag } = await revalidate(`/api/analyses/${id}`, owner.token)
    const stranger = await createUser('stranger')
    expect((await api(`/api/analyses/${id}`, { token: stranger.token, headers: { 'If-None-Match': tag } })).status).toBe(404)
  })
})
