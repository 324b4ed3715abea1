import { and, eq, lte } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { analyses, images } from '../../db/schema'
import type { Analysis } from '../../schemas/analyses'
import type { ImageSize } from '../annotation-bounds'
import type { AuditEntry } from '../audit'
import { lifecycleColumns, withAudit } from './lifecycle-write'
import { toAnalysis } from '../serialize'

/** The analysis as its object first sees it; a deleted analysis has no object. */
export async function loadAnalysis(db: Database, id: string): Promise<Analysis | null> {
  const row = await db.select().from(analyses).where(eq(analyses.id, id)).get()
  return row && !row.deletedAt ? toAnalysis(row) : null
}

/** The size of the analysis's image, which boxes with no declared frame are held to. */
export async function loadImageSize(db: Database, imageId: string): Promise<ImageSize> {
  const row = await db.select({ width: images.width, height: images.height }).from(images).where(eq(images.id, imageId)).get()
  return row ?? { width: null, height: null }
}

/**
 * Writes the object's view of the analysis to D1; a stale write (lower version) changes nothing.
 * Equal versions are rewritten: a bulk write bumps the row's version without its status, and a
 * finalize that waited for that bulk write carries the same version.
 */
export async function writeAnalysisThrough(db: Database, s: Analysis, audit: AuditEntry | null): Promise<void> {
  const update = db
    .update(analyses)
    .set(lifecycleColumns(s))
    .where(and(eq(analyses.id, s.id), lte(analyses.version, s.version)))
  await withAudit(db, update, audit)
}
