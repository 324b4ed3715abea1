import { count, eq, max, sql } from 'drizzle-orm'
import type { Database } from '../db/client'
import { annotations } from '../db/schema'
import type { Analysis } from '../schemas/analyses'

/**
 * A validator for an analysis read with its annotations, computed without reading the stream it
 * describes: the row's version and last write, and the annotations' count and latest write
 * (a review changes an annotation, not the analysis). Weak, since it vouches for the content,
 * not for the bytes.
 */
export async function analysisEtag(db: Database, analysis: Analysis): Promise<string> {
  const latest = await db
    .select({ n: count(), at: max(sql<string>`coalesce(${annotations.updatedAt}, ${annotations.createdAt})`) })
    .from(annotations)
    .where(eq(annotations.analysisId, analysis.id))
    .get()
  const parts = [analysis.id, analysis.version, analysis.updated_at ?? '', analysis.status, latest?.n ?? 0, latest?.at ?? '']
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(parts.join('|')))
  return `W/"${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`
}
