import canonicalize from 'canonicalize'
import { sha256HexSync } from '../digest'
import type { AnnotationInput } from '../schemas/annotation-types'

/**
 * The identity of an annotation's content: RFC 8785 canonical JSON of every field that the
 * pipeline sent, hashed. Key order and number formatting in the request body do not matter.
 */
export function annotationHash(a: AnnotationInput): string {
  return sha256HexSync(
    canonicalize({
      annotation_type: a.annotation_type,
      class_name: a.class_name ?? null,
      confidence: a.confidence ?? null,
      data: a.data,
      storage_path: a.storage_path ?? null,
      ordering: a.ordering ?? null,
      key: a.key ?? null,
    })!,
  )
}
