import type { AnnotationInput } from '../schemas/annotation-types'
import { BITMAP_TYPES } from '../schemas/annotation-types'
import { AppError } from '../errors'
import { annotationHash } from './annotation-hash'

export type BulkMode = 'append' | 'replace' | 'upsert'

export interface PreparedAnnotation {
  id: string
  hash: string
  input: AnnotationInput
}

// D1 caps one bound value at about 2 MB; stay well under so every chunk is one statement.
const MAX_CHUNK_JSON_BYTES = 512 * 1024

export async function prepareAnnotations(items: AnnotationInput[]): Promise<PreparedAnnotation[]> {
  return Promise.all(items.map(async (input) => ({ id: crypto.randomUUID(), hash: await annotationHash(input), input })))
}

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

export const ANNOTATION_COLUMNS =
  'id, analysis_id, annotation_type, class_name, confidence, data, storage_path, ordering, upsert_key, review_state, review_note, reviewed_by_id, reviewed_at, created_at, updated_at, content_hash'

/**
 * The statements of one atomic bulk write: for replace, a delete of what the new set drops; one
 * insert per JSON chunk; then a select of the rows the request names so the response shows what is stored.
 */
export function bulkStatements(d1: D1Database, analysisId: string, items: PreparedAnnotation[], mode: BulkMode, now: string): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = []
  if (mode === 'replace') {
    // Rows the new set repeats stay, with their ids and reviews: a retried replace stores nothing new.
    statements.push(
      d1
        .prepare('DELETE FROM annotations WHERE analysis_id = ? AND content_hash NOT IN (SELECT value FROM json_each(?))')
        .bind(analysisId, JSON.stringify([...new Set(items.map((p) => p.hash))])),
    )
  }
  for (const chunk of chunkJson(items)) {
    statements.push(d1.prepare(`${INSERT_FROM_JSON} ${ON_CONFLICT[mode]}`).bind(analysisId, now, chunk))
  }
  return statements
}

export function selectByHashes(d1: D1Database, analysisId: string, hashes: string[]): D1PreparedStatement {
  return d1
    .prepare(`SELECT ${ANNOTATION_COLUMNS} FROM annotations WHERE analysis_id = ? AND content_hash IN (SELECT value FROM json_each(?))`)
    .bind(analysisId, JSON.stringify([...new Set(hashes)]))
}

export function countStatement(d1: D1Database, analysisId: string): D1PreparedStatement {
  return d1.prepare('SELECT count(*) AS n FROM annotations WHERE analysis_id = ?').bind(analysisId)
}

/** Every heatmap, mask or PNG segmentation must point at an artifact of this analysis that was uploaded. */
export async function assertArtifactsUploaded(d1: D1Database, analysisId: string, items: AnnotationInput[]): Promise<void> {
  const wanted = items.flatMap((a, index) => (BITMAP_TYPES.has(a.annotation_type) && a.storage_path ? [{ index, path: a.storage_path }] : []))
  if (!wanted.length) return
  const { results } = await d1
    .prepare(
      `SELECT storage_path FROM artifacts WHERE analysis_id = ? AND status = 'uploaded' AND storage_path IN (SELECT value FROM json_each(?))`,
    )
    .bind(analysisId, JSON.stringify([...new Set(wanted.map((w) => w.path))]))
    .all<{ storage_path: string }>()
  const found = new Set(results.map((r) => r.storage_path))
  const missing = wanted.filter((w) => !found.has(w.path))
  if (missing.length) {
    throw new AppError(400, 'artifact_not_found', `storage_path ${missing[0]!.path} is not an uploaded artifact of this analysis`, {
      items: missing.map((m) => ({ index: m.index, path: ['annotations', m.index, 'storage_path'], storage_path: m.path })),
    })
  }
}

/** In append mode a key may not silently shadow different content: that is what upsert is for. */
export async function assertKeysFree(d1: D1Database, analysisId: string, items: PreparedAnnotation[]): Promise<void> {
  const keyed = items.filter((p) => p.input.key)
  if (!keyed.length) return
  const { results } = await d1
    .prepare(
      `SELECT upsert_key, content_hash FROM annotations WHERE analysis_id = ? AND upsert_key IN (SELECT value FROM json_each(?))`,
    )
    .bind(analysisId, JSON.stringify(keyed.map((p) => p.input.key)))
    .all<{ upsert_key: string; content_hash: string }>()
  const existing = new Map(results.map((r) => [r.upsert_key, r.content_hash]))
  const clash = keyed.findIndex((p) => existing.has(p.input.key!) && existing.get(p.input.key!) !== p.hash)
  if (clash >= 0) {
    throw new AppError(409, 'conflict', `key "${keyed[clash]!.input.key}" already names different content; use mode "upsert" to change it`)
  }
}
