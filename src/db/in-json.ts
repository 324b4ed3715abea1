import { inArray, sql } from 'drizzle-orm'

/** `column IN (values)` with the values bound as one JSON parameter: D1 caps bound parameters at 100. */
export const inJson = (column: Parameters<typeof inArray>[0], values: readonly string[]) =>
  inArray(column, sql`(SELECT value FROM json_each(${JSON.stringify([...new Set(values)])}))`)
