import { drizzle } from 'drizzle-orm/d1'
import * as schema from './schema'
import { withD1Limits } from './d1-limits'

export type Database = ReturnType<typeof drizzle<typeof schema>>

/**
 * The two handles on one D1 binding, both held to D1's real limits: `db` for drizzle, and `d1` for
 * the few statements drizzle cannot express (the annotation SQL in `annotation-sql.ts`).
 */
export interface DataAccess {
  db: Database
  d1: D1Database
}

// Building drizzle's schema tables costs about a tenth of a small request's CPU; a binding lives as
// long as its isolate, so build them once per binding.
const handles = new WeakMap<D1Database, DataAccess>()

export function connect(binding: D1Database): DataAccess {
  let access = handles.get(binding)
  if (!access) {
    const d1 = withD1Limits(binding)
    access = { d1, db: drizzle(d1, { schema }) }
    handles.set(binding, access)
  }
  return access
}

export const createDb = (binding: D1Database): Database => connect(binding).db

/**
 * A drizzle query as a raw prepared statement, so it can share one atomic `d1.batch()` with the
 * statements of `annotation-sql.ts`.
 */
export const asStatement = (d1: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement => {
  const { sql, params } = query.toSQL()
  return d1.prepare(sql).bind(...params)
}
