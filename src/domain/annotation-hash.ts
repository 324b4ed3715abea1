import canonicalize from 'canonicalize'
import { sha256HexSync } from '../digest'
import type { AnnotationInput } from '../schemas/annotation-types'
import { toWellFormed } from '../schemas/unicode'

/**
 * The identity of an annotation's content: RFC 8785 canonical JSON of every field that the
 * pipeline sent, hashed. Key order and number formatting in the request body do not matter.
 */
export function annotationHash(a: AnnotationInput): string {
  const content = {
    annotation_type: a.annotation_type,
    class_name: a.class_name ?? null,
    confidence: a.confidence ?? null,
    data: a.data,
    storage_path: a.storage_path ?? null,
    ordering: a.ordering ?? null,
    key: a.key ?? null,
  }
  let json: string
  try {
    json = canonicalize(content)!
  } catch {
    // RFC 8785 has no form for a lone surrogate. The schemas refuse them, so this is a last line:
    // hash the well-formed replacement rather than fail the whole batch with a 500.
    json = canonicalize(wellFormed(content))!
  }
  return sha256HexSync(json)
}

function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return toWellFormed(value)
  if (Array.isArray(value)) return value.map(wellFormed)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [toWellFormed(k), wellFormed(v)]))
  return value
}
