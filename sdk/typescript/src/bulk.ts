import { isRecord, LoupeError, RunCanceled } from './errors'
import type { AnnotationInput, BulkAnnotationsResponse, BulkMode } from './types'

export interface AnnotateSummary {
  created: number
  /** Rows an `upsert` rewrote under an existing key. */
  updated: number
  duplicates: number
  /** The last response's `total` (the server counts that request's annotations). */
  total: number
  requests: number
}

export interface ChunkedPost {
  /** The current chunk size; lowered through `shrink` when the server asks for less. */
  size(): number
  shrink(size: number): void
  post(chunk: AnnotationInput[], mode: BulkMode): Promise<BulkAnnotationsResponse>
  onProgress?: ((done: number, total: number) => void) | undefined
}

/**
 * Posts annotations in chunks, in order. A chunk the server refuses for its size (400 with
 * `details.max`, or 413) is sent again smaller. With `replace` only the first chunk replaces; the
 * rest append. An empty `replace` still sends one request, which clears the set.
 */
export async function postInChunks(items: readonly AnnotationInput[], mode: BulkMode, to: ChunkedPost): Promise<AnnotateSummary> {
  const summary: AnnotateSummary = { created: 0, updated: 0, duplicates: 0, total: 0, requests: 0 }
  if (!items.length && mode !== 'replace') return summary
  let index = 0
  let first = true
  while (first || index < items.length) {
    const chunk = items.slice(index, index + Math.max(1, to.size()))
    let result: BulkAnnotationsResponse
    try {
      result = await to.post(chunk, first || mode !== 'replace' ? mode : 'append')
    } catch (err) {
      const smaller = err instanceof LoupeError && !(err instanceof RunCanceled) ? smallerLimit(err, chunk.length) : undefined
      if (smaller === undefined) throw err
      to.shrink(smaller)
      continue
    }
    summary.requests += 1
    summary.created += Number(result?.created ?? 0)
    summary.updated += Number(result?.updated ?? 0)
    summary.duplicates += Number(result?.duplicates ?? 0)
    summary.total = Number(result?.total ?? summary.total)
    index += chunk.length
    first = false
    to.onProgress?.(index, items.length)
  }
  return summary
}

/** The chunk size to retry with when the server refused a chunk for its size, else undefined. */
function smallerLimit(err: LoupeError, sent: number): number | undefined {
  if (err.status === 400 && isRecord(err.details)) {
    const max = err.details.max
    if (typeof max === 'number' && Number.isInteger(max) && max > 0 && max < sent) return max
  }
  if (err.status === 413 && sent > 1) return Math.max(1, Math.floor(sent / 2))
  return undefined
}
