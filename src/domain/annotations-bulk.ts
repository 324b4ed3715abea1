import { and, eq, sql } from 'drizzle-orm'
import {
  annotationFromRow,
  countAnnotations,
  deleteOthers,
  insertStatements,
  selectByHashes,
  selectKeys,
  type AnnotationRow,
  type BulkMode,
  type PreparedAnnotation,
} from '../db/annotation-sql'
import { asStatement, type DataAccess, type Database } from '../db/client'
import { inJson } from '../db/in-json'
import { analyses, artifacts } from '../db/schema'
import { AppError } from '../errors'
import type { Annotation } from '../schemas/analyses'
import type { AnnotationInput } from '../schemas/annotation-types'
import { BITMAP_TYPES } from '../schemas/annotation-types'
import { annotationHash } from './annotation-hash'
import { auditInsert } from './audit'

export type { BulkMode, PreparedAnnotation }

export const prepareAnnotations = (items: AnnotationInput[]): PreparedAnnotation[] =>
  items.map((input) => ({ id: crypto.randomUUID(), hash: annotationHash(input), input }))

/** What one bulk write stored, as the API reports it and as viewers are sent it. */
export interface BulkWriteResult {
  /** The stored row for each item of the request, in request order. */
  annotations: Annotation[]
  total: number
  created: number
  updated: number
  duplicates: number
  /** Rows viewers must be sent: the new and rewritten ones, or, after a replace, the whole set. */
  fresh: Annotation[]
  /** The analysis's annotation count after the write. */
  count: number
  /** When the write happened: the analysis's `updated_at` in D1. */
  at: string
}

export interface BulkWrite {
  analysisId: string
  projectId: string
  items: PreparedAnnotation[]
  mode: BulkMode
  /** The object's version after this write; D1's row never goes below it. */
  version: number
  requestId: string
}

/**
 * One atomic batch: for replace, a delete of what the new set drops; one insert per JSON chunk; the
 * analysis's count and version; the audit row; then the rows the request names and the new count,
 * read in the same batch so the response shows exactly what is stored.
 */
export async function writeAnnotations({ db, d1 }: DataAccess, w: BulkWrite): Promise<BulkWriteResult> {
  const now = new Date().toISOString()
  const hashes = w.items.map((p) => p.hash)
  const removal = w.mode === 'replace' ? [deleteOthers(d1, w.analysisId, hashes)] : []
  const inserts = insertStatements(d1, w.analysisId, w.items, w.mode, now)
  const results = await d1.batch<AnnotationRow>([
    ...removal,
    ...inserts,
    asStatement(
      d1,
      db
        .update(analyses)
        .set({
          annotationCount: sql`(SELECT count(*) FROM annotations WHERE analysis_id = ${w.analysisId})`,
          version: sql`max(${analyses.version}, ${w.version})`,
          updatedAt: now,
        })
        .where(eq(analyses.id, w.analysisId)),
    ),
    asStatement(
      d1,
      auditInsert(db, {
        actorType: 'pipeline',
        action: 'annotations.bulk',
        targetType: 'analysis',
        targetId: w.analysisId,
        projectId: w.projectId,
        requestId: w.requestId,
        details: { mode: w.mode, items: w.items.length },
      }),
    ),
    selectByHashes(d1, w.analysisId, hashes),
    countAnnotations(d1, w.analysisId),
  ])
  const inserted = results.slice(removal.length, removal.length + inserts.length)
  const changed = inserted.reduce((n, r) => n + (r.meta.changes ?? 0), 0)
  const stored = results.at(-2)!.results
  // An upsert that rewrites a row counts as a change too; only the timestamps tell the two apart.
  const updated = stored.filter((r) => r.updated_at === now && r.created_at !== now).length
  const rows = stored.map(annotationFromRow)
  const byHash = new Map(stored.map((r, i) => [r.content_hash as string, rows[i]!]))
  return {
    annotations: w.items.map((p) => byHash.get(p.hash)!).filter(Boolean),
    total: w.items.length,
    created: changed - updated,
    updated,
    duplicates: w.items.length - changed,
    // Viewers drop everything on a replace, so they get the whole new set, kept rows included.
    fresh: w.mode === 'replace' ? rows : rows.filter((_, i) => stored[i]!.created_at === now || stored[i]!.updated_at === now),
    count: Number(results.at(-1)!.results[0]!.n),
    at: now,
  }
}

/** After finalize the set is frozen: a byte-identical replay is fine, anything new is refused. */
export async function replayFrozen({ d1 }: DataAccess, analysisId: string, items: PreparedAnnotation[], mode: BulkMode, status: string): Promise<BulkWriteResult> {
  const hashes = [...new Set(items.map((p) => p.hash))]
  const [found, counted] = await d1.batch<AnnotationRow>([selectByHashes(d1, analysisId, hashes), countAnnotations(d1, analysisId)])
  const stored = found!.results
  const count = Number(counted!.results[0]!.n)
  if (stored.length !== hashes.length || (mode === 'replace' && count !== hashes.length)) {
    throw new AppError(409, 'analysis_finalized', `Analysis is ${status}; its annotations can no longer change`, { current_status: status })
  }
  const byHash = new Map(stored.map((r) => [r.content_hash as string, annotationFromRow(r)]))
  return { annotations: items.map((p) => byHash.get(p.hash)!), total: items.length, created: 0, updated: 0, duplicates: items.length, fresh: [], count, at: new Date().toISOString() }
}

/** Every heatmap, mask or PNG segmentation must point at an artifact of this analysis that was uploaded. */
export async function assertArtifactsUploaded(db: Database, analysisId: string, items: AnnotationInput[]): Promise<void> {
  const wanted = items.flatMap((a, index) => (BITMAP_TYPES.has(a.annotation_type) && a.storage_path ? [{ index, path: a.storage_path }] : []))
  if (!wanted.length) return
  const found = new Set(
    (
      await db
        .select({ path: artifacts.storagePath })
        .from(artifacts)
        .where(and(eq(artifacts.analysisId, analysisId), eq(artifacts.status, 'uploaded'), inJson(artifacts.storagePath, wanted.map((w) => w.path))))
    ).map((r) => r.path),
  )
  const missing = wanted.filter((w) => !found.has(w.path))
  if (missing.length) {
    throw new AppError(400, 'artifact_not_found', `storage_path ${missing[0]!.path} is not an uploaded artifact of this analysis`, {
      items: missing.map((m) => ({ index: m.index, path: ['annotations', m.index, 'storage_path'], storage_path: m.path })),
    })
  }
}

/** In append mode a key may not silently shadow different content: that is what upsert is for. */
export async function assertKeysFree({ d1 }: DataAccess, analysisId: string, items: PreparedAnnotation[]): Promise<void> {
  const keyed = items.filter((p) => p.input.key)
  if (!keyed.length) return
  const { results } = await selectKeys(d1, analysisId, keyed.map((p) => p.input.key!)).all<{ upsert_key: string; content_hash: string }>()
  const existing = new Map(results.map((r) => [r.upsert_key, r.content_hash]))
  const clash = keyed.findIndex((p) => existing.has(p.input.key!) && existing.get(p.input.key!) !== p.hash)
  if (clash >= 0) {
    throw new AppError(409, 'conflict', `key "${keyed[clash]!.input.key}" already names different content; use mode "upsert" to change it`)
  }
}
