import { sql } from 'drizzle-orm'
import { text } from 'drizzle-orm/sqlite-core'

/** Timestamps are ISO-8601 UTC strings: sortable, readable in `wrangler d1 execute`, and what the API returns. */
export const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`
export const createdAt = () => text('created_at').notNull().default(now)
