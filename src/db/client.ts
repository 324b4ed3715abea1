import { drizzle } from 'drizzle-orm/d1'
import * as schema from './schema'
import { withD1Limits } from './d1-limits'

export type Database = ReturnType<typeof createDb>

export function createDb(d1: D1Database) {
  return drizzle(withD1Limits(d1), { schema })
}
