import { env } from 'cloudflare:workers'
import { inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { D1_MAX_BOUND_PARAMETERS, D1_MAX_STATEMENT_BYTES, D1LimitError, withD1Limits } from '../../src/db/d1-limits'
import { createDb } from '../../src/db/client'
import { users } from '../../src/db/schema'
import { api, scenario, signed } from './helpers'

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ')
const values = (n: number) => Array.from({ length: n }, (_, i) => i)

describe('withD1Limits', () => {
  const db = withD1Limits(env.DB)

  it('uses the production limits: 100 parameters and 100 KB per statement', () => {
    expect([D1_MAX_BOUND_PARAMETERS, D1_MAX_STATEMENT_BYTES]).toEqual([100, 100_000])
  })

  it('allows exactly 100 bound parameters', async () => {
    const row = await db.prepare(`SELECT json_array(${placeholders(100)}) AS a`).bind(...values(100)).first<{ a: string }>()
    expect(JSON.parse(row!.a)).toHaveLength(100)
  })

  it('throws on 101 bound parameters, at bind time', () => {
    const sql = `SELECT json_array(${placeholders(101)}) AS a`
    expect(() => db.prepare(sql).bind(...values(101))).toThrow(D1LimitError)
    expect(() => db.prepare(sql).bind(...values(101))).toThrow(/101 parameters; D1 allows 100/)
  })

  it('throws on a statement over 100 KB', () => {
    const sql = `SELECT '${'x'.repeat(D1_MAX_STATEMENT_BYTES)}' AS big`
    expect(() => db.prepare(sql)).toThrow(D1LimitError)
    expect(() => db.prepare(sql)).toThrow(/D1 allows 100000/)
  })

  it('counts bytes, not characters', () => {
    // 40,000 three-byte characters are 120 KB of SQL.
    expect(() => db.prepare(`SELECT '${'€'.repeat(40_000)}'`)).toThrow(D1LimitError)
  })

  it('allows a statement just under 100 KB', async () => {
    const filler = 'x'.repeat(D1_MAX_STATEMENT_BYTES - 30)
    const sql = `SELECT length('${filler}') AS n`
    expect(new TextEncoder().encode(sql).byteLength).toBeLessThanOrEqual(D1_MAX_STATEMENT_BYTES)
    expect(await db.prepare(sql).first()).toEqual({ n: filler.length })
  })

  it('checks exec() too', async () => {
    await expect(async () => db.exec(`SELECT '${'x'.repeat(D1_MAX_STATEMENT_BYTES)}'`)).rejects.toThrow(D1LimitError)
  })

  it('runs batches of wrapped statements', async () => {
    const [a, b] = await db.batch<{ v: number }>([db.prepare('SELECT ? AS v').bind(1), db.prepare('SELECT ? AS v').bind(2)])
    expect([a!.results[0]!.v, b!.results[0]!.v]).toEqual([1, 2])
  })

  it('binds a large value as one parameter, which is how bulk writes stay within the limits', async () => {
    const json = JSON.stringify(values(50_000))
    expect(json.length).toBeGreaterThan(D1_MAX_STATEMENT_BYTES)
    const row = await db.prepare('SELECT count(*) AS n FROM json_each(?)').bind(json).first()
    expect(row).toEqual({ n: 50_000 })
  })

  it('is what drizzle goes through in the app', async () => {
    const drizzle = createDb(env.DB)
    const ids = Array.from({ length: 101 }, () => crypto.randomUUID())
    const err = await drizzle
      .select()
      .from(users)
      .where(inArray(users.id, ids))
      .then(() => null, (e: Error) => e)
    expect(err?.cause).toBeInstanceOf(D1LimitError)
  })
})

describe('the app within D1 limits', () => {
  it('stores 5,000 annotations in one bulk post', async () => {
    const { owner, analysis } = await scenario()
    const annotations = Array.from({ length: 5000 }, (_, i) => ({
      annotation_type: 'bounding_box',
      class_name: `class_${i % 80}`,
      confidence: (i % 100) / 100,
      data: { x_min: i % 500, y_min: 0, x_max: (i % 500) + 10, y_max: 20, image_width: 1024, image_height: 768 },
      ordering: i,
    }))
    const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toMatchObject({ total: 5000, created: 5000, duplicates: 0 })
    const page = await (await api(`/api/analyses/${analysis.id}/annotations?limit=1`, { token: owner.token })).json<{ total: number }>()
    expect(page.total).toBe(5000)
    const row = await env.DB.prepare('SELECT annotation_count FROM analyses WHERE id = ?').bind(analysis.id).first()
    expect(row).toEqual({ annotation_count: 5000 })
  })
})
