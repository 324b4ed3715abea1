import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { api, createAnalysis, createProject, createUser, signed, uploadImage, type TestUser } from './helpers'

interface Page {
  analyses: { id: string; status: string; model_name: string; annotation_count: number; duration_ms: number | null; created_at: string }[]
  next_cursor: string | null
  total: number | null
}

const MIN = 60_000
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * MIN).toISOString()

/**
 * A project of 12 analyses over two models with known times: analysis i was created at minute i,
 * the even ones finished after i+1 minutes with i+1 annotations (class `cat` when i % 4 == 0,
 * `dog` otherwise, confidence i/20), the odd ones are still queued.
 */
let owner: TestUser
let projectId: string
let otherProjectId: string
const ids: string[] = []

async function annotate(id: string, n: number, className: string, confidence: number) {
  await signed('PATCH', `/api/analyses/${id}/status`, { status: 'processing' })
  const bulk = await signed('POST', `/api/analyses/${id}/annotations:bulk`, {
    annotations: Array.from({ length: n }, (_, k) => ({ annotation_type: 'classification', class_name: className, confidence, data: { score: confidence, k } })),
  })
  expect(bulk.status).toBe(200)
  expect((await signed('POST', `/api/analyses/${id}/finalize`, { status: 'completed' })).status).toBe(200)
}

beforeAll(async () => {
  owner = await createUser('searcher')
  projectId = (await createProject(owner, 'Search')).id
  const image = await uploadImage(owner, projectId)
  for (let i = 0; i < 12; i++) {
    const a = await createAnalysis(owner, image.id, { model_name: i < 6 ? 'yolo_v8' : 'detr', model_version: i % 3 === 0 ? '2' : '1', group_id: i < 4 ? 'batch-a' : null })
    ids.push(a.id)
    if (i % 2 === 0) await annotate(a.id, i + 1, i % 4 === 0 ? 'cat' : 'dog', i / 20)
  }
  // Known times, so the date filters and the duration sort have exact answers.
  for (const [i, id] of ids.entries()) {
    const done = i % 2 === 0
    await env.DB.prepare('UPDATE analyses SET created_at = ?, started_at = ?, completed_at = ? WHERE id = ?')
      .bind(at(i), done ? at(i) : null, done ? at(2 * i + 1) : null, id)
      .run()
  }
  // Another project's cats must never show up here.
  otherProjectId = (await createProject(owner, 'Elsewhere')).id
  const elsewhere = await createAnalysis(owner, (await uploadImage(owner, otherProjectId)).id)
  await annotate(elsewhere.id, 3, 'cat', 0.99)
})

const search = async (query: string) => {
  const res = await api(`/api/projects/${projectId}/analyses?${query}`, { token: owner.token })
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json<Page>()
}
const idx = (page: Page) => page.analyses.map((a) => ids.indexOf(a.id))

describe('GET /api/projects/{project_id}/analyses', () => {
  it('lists newest first by default, and every filter narrows to exactly its matches', async () => {
    expect(idx(await search(''))).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    expect(idx(await search('status=completed'))).toEqual([10, 8, 6, 4, 2, 0])
    expect(idx(await search('status=queued,completed&limit=3'))).toEqual([11, 10, 9])
    expect(idx(await search('model_name=detr&model_version=2'))).toEqual([9, 6])
    expect(idx(await search('group_id=batch-a'))).toEqual([3, 2, 1, 0])
    expect(idx(await search(`created_after=${at(3)}&created_before=${at(6)}`))).toEqual([5, 4, 3])
    expect(idx(await search(`completed_after=${at(9)}&completed_before=${at(17)}`))).toEqual([6, 4])
    expect(idx(await search('has_class=cat'))).toEqual([8, 4, 0])
    expect(idx(await search('min_confidence=0.3'))).toEqual([10, 8, 6])
    // The annotation filters hold for one annotation together: the most confident cats (of analysis 8) are 0.4.
    expect(idx(await search('has_class=cat&min_confidence=0.45'))).toEqual([])
    expect(idx(await search('has_class=dog&min_confidence=0.45'))).toEqual([10])
    expect(idx(await search('review_state=unreviewed&model_name=yolo_v8'))).toEqual([4, 2, 0])
  })

  it('sorts by completion, duration and annotation count, unfinished analyses last when descending', async () => {
    const longest = idx(await search('sort=duration'))
    expect(longest.slice(0, 6)).toEqual([10, 8, 6, 4, 2, 0])
    expect(longest.slice(6).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9, 11])
    const byDuration = await search('sort=duration&order=asc&status=completed')
    expect(byDuration.analyses.map((a) => a.duration_ms)).toEqual([1, 3, 5, 7, 9, 11].map((m) => m * MIN))
    expect(idx(await search('sort=annotation_count&status=completed'))).toEqual([10, 8, 6, 4, 2, 0])
    const earliest = idx(await search('sort=completed_at&order=asc&limit=8'))
    expect(earliest.slice(0, 6).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9, 11])
    expect(earliest.slice(6)).toEqual([0, 2])
  })

  it('pages with a cursor through every match exactly once, for every sort and order', async () => {
    for (const sort of ['created_at', 'completed_at', 'duration', 'annotation_count']) {
      for (const order of ['asc', 'desc']) {
        const seen: string[] = []
        let cursor: string | null = null
        do {
          const page: Page = await search(`sort=${sort}&order=${order}&limit=5${cursor ? `&cursor=${cursor}` : ''}`)
          seen.push(...page.analyses.map((a) => a.id))
          cursor = page.next_cursor
        } while (cursor)
        expect(seen.length, `${sort} ${order}`).toBe(12)
        expect(new Set(seen).size, `${sort} ${order}`).toBe(12)
        const whole = await search(`sort=${sort}&order=${order}&limit=50`)
        expect(seen, `${sort} ${order}`).toEqual(whole.analyses.map((a) => a.id))
      }
    }
  })

  it('counts every match on request, and leaves out deleted analyses', async () => {
    expect((await search('status=queued&with_total=true')).total).toBe(6)
    expect((await search('status=queued')).total).toBeNull()
    const extra = await createAnalysis(owner, (await uploadImage(owner, projectId)).id, { model_name: 'gone' })
    expect(idx(await search('model_name=gone'))).toHaveLength(1)
    await api(`/api/analyses/${extra.id}`, { method: 'DELETE', token: owner.token })
    expect((await search('model_name=gone')).analyses).toEqual([])
  })

  it('refuses a bad filter, a forged cursor and a cursor of another sort with 400', async () => {
    for (const query of ['status=done', 'created_after=yesterday', 'min_confidence=2', 'sort=name', 'cursor=bm9wZQ']) {
      const res = await api(`/api/projects/${projectId}/analyses?${query}`, { token: owner.token })
      expect(res.status, query).toBe(400)
      expect((await res.json<{ error: { code: string } }>()).error.code).toBe('validation_error')
    }
    const { next_cursor } = await search('limit=2')
    expect((await api(`/api/projects/${projectId}/analyses?sort=duration&cursor=${next_cursor}`, { token: owner.token })).status).toBe(400)
  })

  it('answers 404 to a non-member', async () => {
    const stranger = await createUser('stranger')
    expect((await api(`/api/projects/${projectId}/analyses`, { token: stranger.token })).status).toBe(404)
  })
})

describe('GET /api/projects/{project_id}/annotations', () => {
  interface Hits {
    annotations: { analysis_id: string; class_name: string; confidence: number; image_id: string; model_name: string }[]
    next_cursor: string | null
  }
  const find = async (query: string) => {
    const res = await api(`/api/projects/${projectId}/annotations?${query}`, { token: owner.token })
    expect(res.status, await res.clone().text()).toBe(200)
    return res.json<Hits>()
  }

  it("finds one class across the project's analyses, and only in this project", async () => {
    const hits = await find('class_name=cat&limit=1000')
    // Analyses 0, 4 and 8 hold 1, 5 and 9 cats.
    expect(hits.annotations).toHaveLength(15)
    expect(new Set(hits.annotations.map((a) => a.analysis_id))).toEqual(new Set([ids[0], ids[4], ids[8]]))
    expect(hits.annotations.every((a) => a.class_name === 'cat' && a.image_id)).toBe(true)
    expect(hits.annotations.filter((a) => a.model_name === 'detr')).toHaveLength(9)
    expect((await find('class_name=cat&min_confidence=0.3')).annotations).toHaveLength(9)
    expect((await find('class_name=dog&model_name=detr')).annotations).toHaveLength(7 + 11)
  })

  it('pages with a cursor, each annotation once', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: Hits = await find(`class_name=dog&limit=4${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.annotations.map((a) => JSON.stringify(a)))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toHaveLength(3 + 7 + 11)
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('needs a class, and answers 404 to a non-member', async () => {
    expect((await api(`/api/projects/${projectId}/annotations`, { token: owner.token })).status).toBe(400)
    const stranger = await createUser('stranger')
    expect((await api(`/api/projects/${projectId}/annotations?class_name=cat`, { token: stranger.token })).status).toBe(404)
  })
})

describe('search indexes', () => {
  it('the default listing and the class search walk an index rather than scanning', async () => {
    const plan = async (sql: string, ...binds: unknown[]) =>
      (await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...binds).all<{ detail: string }>()).results.map((r) => r.detail).join(' | ')
    const listing = await plan(
      'SELECT id FROM analyses WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 51',
      otherProjectId,
    )
    expect(listing).toContain('idx_analyses_project_created')
    expect(listing).not.toContain('TEMP B-TREE')
    const classes = await plan(
      'SELECT n.id FROM analyses a JOIN annotations n ON n.analysis_id = a.id WHERE a.project_id = ? AND a.deleted_at IS NULL AND n.class_name = ? ORDER BY a.id, n.rowid LIMIT 201',
      otherProjectId,
      'cat',
    )
    expect(classes).toContain('idx_annotations_analysis_class')
  })
})
