import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createAnalysis, scenario, signed } from './helpers'

const TABLES = ['users', 'api_tokens', 'projects', 'project_members', 'images', 'analyses', 'annotations', 'artifacts', 'audit_log']

// Indexes by these names are part of the schema (src/db/schema.ts); pipelines and dashboards that query D1 expect them.
const NAMED_INDEXES: [string, string][] = [
  ['idx_ml_analyses_image_id', 'analyses'],
  ['idx_ml_analyses_status', 'analyses'],
  ['idx_ml_analyses_model_name', 'analyses'],
  ['idx_ml_annotations_analysis_id', 'annotations'],
  ['idx_ml_annotations_annotation_type', 'annotations'],
]

async function count(sql: string, ...params: unknown[]) {
  const row = await env.DB.prepare(sql).bind(...params).first<{ n: number }>()
  return row!.n
}

describe('migrations', () => {
  it.each(TABLES)('creates table %s', async (table) => {
    const row = await env.DB.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`).bind(table).first()
    expect(row).toEqual({ name: table })
  })

  it.each(NAMED_INDEXES)('creates the index %s on %s', async (index, table) => {
    const row = await env.DB.prepare(`SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?`).bind(index).first()
    expect(row).toEqual({ tbl_name: table })
  })

  it('makes external_job_id unique', async () => {
    const { owner, image } = await scenario()
    const first = await createAnalysis(owner, image.id, { external_job_id: `job-${crypto.randomUUID()}` })
    const row = await env.DB.prepare('SELECT * FROM analyses WHERE id = ?').bind(first.id).first<Record<string, unknown>>()
    const copy = env.DB.prepare(
      `INSERT INTO analyses (id, image_id, project_id, model_name, model_version, status, external_job_id) VALUES (?, ?, ?, 'm', '1', 'queued', ?)`,
    ).bind(crypto.randomUUID(), row!.image_id, row!.project_id, row!.external_job_id)
    await expect(copy.run()).rejects.toThrow(/UNIQUE constraint failed: analyses.external_job_id/)
  })

  it('allows many analyses without an external_job_id', async () => {
    const { owner, image } = await scenario()
    await createAnalysis(owner, image.id)
    expect(await count('SELECT count(*) AS n FROM analyses WHERE image_id = ? AND external_job_id IS NULL', image.id)).toBe(2)
  })

  it('cascades a project delete to its members, images, analyses, annotations and artifacts', async () => {
    const { project, image, analysis } = await scenario()
    await signed('POST', `/api/analyses/${analysis.id}/artifacts/presign`, { artifact_type: 'log', filename: 'run.log' })
    const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [{ annotation_type: 'classification', class_name: 'cat', data: { score: 0.9 } }],
    })
    expect(bulk.status).toBe(200)
    expect(await count('SELECT count(*) AS n FROM annotations WHERE analysis_id = ?', analysis.id)).toBe(1)
    expect(await count('SELECT count(*) AS n FROM artifacts WHERE analysis_id = ?', analysis.id)).toBe(1)

    await env.DB.prepare('DELETE FROM projects WHERE id = ?').bind(project.id).run()

    expect(await count('SELECT count(*) AS n FROM project_members WHERE project_id = ?', project.id)).toBe(0)
    expect(await count('SELECT count(*) AS n FROM images WHERE id = ?', image.id)).toBe(0)
    expect(await count('SELECT count(*) AS n FROM analyses WHERE id = ?', analysis.id)).toBe(0)
    expect(await count('SELECT count(*) AS n FROM annotations WHERE analysis_id = ?', analysis.id)).toBe(0)
    expect(await count('SELECT count(*) AS n FROM artifacts WHERE analysis_id = ?', analysis.id)).toBe(0)
  })

  it('cascades a user delete to their tokens and memberships', async () => {
    const { owner } = await scenario()
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(owner.id).run()
    expect(await count('SELECT count(*) AS n FROM api_tokens WHERE user_id = ?', owner.id)).toBe(0)
    expect(await count('SELECT count(*) AS n FROM project_members WHERE user_id = ?', owner.id)).toBe(0)
  })
})
