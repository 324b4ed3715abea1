import type { Annotation } from '../schemas/analyses'
import type { AnnotationInput } from '../schemas/annotation-types'

/**
 * The annotation SQL drizzle cannot express well: a batch inserted from one JSON parameter through
 * `json_each` (D1 caps bound parameters at 100, so rows cannot be bound one value each), and pages
 * walked by rowid. Everything that reads annotation rows maps them with `annotationFromRow`.
 */

export type BulkMode = 'append' | 'replace' | 'upsert'

export interface PreparedAnnotation {
  id: string
  hash: string
  input: AnnotationInput
}

export const ANNOTATION_COLUMNS =
  'id, analysis_id, annotation_type, class_name, confidence, data, storage_path, ordering, upsert_key, review_state, review_note, reviewed_by_id, reviewed_at, created_at, updated_at, content_hash'

export type AnnotationRow = Record<string, unknown>

/** Raw D1 rows (snake_case columns, JSON as text) to the API's Annotation. */
export const annotationFromRow = (r: AnnotationRow): Annotation => ({
  id: r.id as string,
  analysis_id: r.analysis_id as string,
  annotation_type: r.annotation_type as Annotation['annotation_type'],
  class_name: (r.class_name as string | null) ?? null,
  confidence: (r.confidence as number | null) ?? null,
  data: JSON.parse(r.data as string),
  storage_path: (r.storage_path as string | null) ?? null,
  ordering: (r.ordering as number | null) ?? null,
  key: (r.upsert_key as string | null) ?? null,
  review_state: r.review_state as Annotation['review_state'],
  review_note: (r.review_note as string | null) ?? null,
  reviewed_by_id: (r.reviewed_by_id as string | null) ?? null,
  reviewed_at: (r.reviewed_at as string | null) ?? null,
  created_at: r.created_at as string,
})

// D1 caps one bound value at about 2 MB; stay well under so every chunk is one statement.
const MAX_CHUNK_JSON_BYTES = 512 * 1024

const compact = (p: PreparedAnnotation) => ({
  i: p.id,
  h: p.hash,
  t: p.input.annotation_type,
  c: p.input.class_name ?? null,
  p: p.input.confidence ?? null,
  d: p.input.data,
  s: p.input.storage_path ?? null,
  o: p.input.ordering ?? null,
  k: p.input.key ?? null,
})

/** Splits the batch into JSON arrays small enough to bind as one parameter each. */
export function chunkJson(items: PreparedAnnotation[]): string[] {
  const chunks: string[] = []
  let current: string[] = []
  let bytes = 2
  for (const item of items) {
    const json = JSON.stringify(compact(item))
    if (current.length && bytes + json.length + 1 > MAX_CHUNK_JSON_BYTES) {
      chunks.push(`[${current.join(',')}]`)
      current = []
      bytes = 2
    }
    current.push(json)
    bytes += json.length + 1
  }
  if (current.length) chunks.push(`[${current.join(',')}]`)
  return chunks
}

const INSERT_FROM_JSON = `
INSERT INTO annotations (id, analysis_id, annotation_type, class_name, confidence, data, storage_path, ordering, content_hash, upsert_key, created_at)
SELECT j.value->>'$.i', ?1, j.value->>'$.t', j.value->>'$.c', j.value->>'$.p', json(j.value->'$.d'), j.value->>'$.s', j.value->>'$.o', j.value->>'$.h', j.value->>'$.k', ?2
FROM json_each(?3) AS j WHERE true`

const ON_CONFLICT: Record<BulkMode, string> = {
  append: 'ON CONFLICT DO NOTHING',
  replace: 'ON CONFLICT DO NOTHING',
  // A changed prediction is a new prediction: its earlier review no longer applies.
  upsert: `ON CONFLICT(analysis_id, upsert_key) DO UPDATE SET
    annotation_type = excluded.annotation_type, class_name = excluded.class_name, confidence = excluded.confidence,
    data = excluded.data, storage_path = excluded.storage_path, ordering = excluded.ordering,
    content_hash = excluded.content_hash, updated_at = excluded.created_at,
    review_state = 'unreviewed', review_note = NULL, reviewed_by_id = NULL, reviewed_at = NULL
    WHERE annotations.content_hash <> excluded.content_hash
  ON CONFLICT DO NOTHING`,
}

/** One insert per JSON chunk; rows already stored (same content hash) are left alone. */
export const insertStatements = (d1: D1Database, analysisId: string, items: PreparedAnnotation[], mode: BulkMode, now: string) =>
  chunkJson(items).map((chunk) => d1.prepare(`${INSERT_FROM_JSON} ${ON_CONFLICT[mode]}`).bind(analysisId, now, chunk))

/** For a replace: delete what the new set drops, so rows it repeats keep their ids and reviews. */
export const deleteOthers = (d1: D1Database, analysisId: string, hashes: string[]) =>
  d1
    .prepare('DELETE FROM annotations WHERE analysis_id = ? AND content_hash NOT IN (SELECT value FROM json_each(?))')
    .bind(analysisId, JSON.stringify([...new Set(hashes)]))

export const selectByHashes = (d1: D1Database, analysisId: string, hashes: string[]) =>
  d1
    .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE analysis_id = ? AND content_hash IN (SELECT value FROM json_each(?))`)
    .bind(analysisId, JSON.stringify([...new Set(hashes)]))

export const countAnnotations = (d1: D1Database, analysisId: string) =>
  d1.prepare('SELECT count(*) AS n FROM annotations WHERE analysis_id = ?').bind(analysisId)

export const selectKeys = (d1: D1Database, analysisId: string, keys: string[]) =>
  d1
    .prepare('SELECT upsert_key, content_hash FROM annotations WHERE analysis_id = ? AND upsert_key IN (SELECT value FROM json_each(?))')
    .bind(analysisId, JSON.stringify(keys))

export const selectById = (d1: D1Database, id: string) => d1.prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE id = ?`).bind(id)

/** A filter on one analysis's annotations, as SQL and its parameters. */
export interface AnnotationWhere {
  sql: string
  params: unknown[]
}

/**
 * One page of rows after `afterRowid`, in insertion order. The rowid cursor keeps every query an
 * index range scan, and memory flat however many rows there are.
 */
export async function annotationPage(d1: D1Database, where: AnnotationWhere, afterRowid: number, limit: number, offset = 0) {
  const { results } = await d1
    .prepare(`SELECT rowid AS _rowid, ${ANNOTATION_COLUMNS} FROM annotations WHERE ${where.sql} AND rowid > ? ORDER BY rowid LIMIT ? OFFSET ?`)
    .bind(...where.params, afterRowid, limit, offset)
    .all<AnnotationRow>()
  const rowids = results.map((r) => Number(r._rowid))
  return { rows: results.map(annotationFromRow), rowids, lastRowid: rowids.at(-1) ?? afterRowid }
}

export async function countWhere(d1: D1Database, where: AnnotationWhere): Promise<number> {
  const row = await d1.prepare(`SELECT count(*) AS n FROM annotations WHERE ${where.sql}`).bind(...where.params).first<{ n: number }>()
  return Number(row?.n ?? 0)
}

/** Every annotation of the filter, a page at a time. */
export async function* annotationPages(d1: D1Database, where: AnnotationWhere, pageSize: number): AsyncGenerator<Annotation[]> {
  let after = 0
  for (;;) {
    const page = await annotationPage(d1, where, after, pageSize)
    if (page.rows.length) yield page.rows
    if (page.rows.length < pageSize) return
    after = page.lastRowid
  }
}
