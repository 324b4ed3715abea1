import type { Annotation } from './types'

export interface AnnotationSet {
  list: readonly Annotation[]
  /** id → position in list */
  index: ReadonlyMap<string, number>
}

export const EMPTY_SET: AnnotationSet = { list: [], index: new Map() }

/**
 * Adds annotations, replacing any with the same id in place. Pages from the REST listing and events
 * from the live stream overlap around the moment the socket opens; merging by id makes that harmless.
 */
export function mergeAnnotations(set: AnnotationSet, incoming: readonly Annotation[]): AnnotationSet {
  if (incoming.length === 0) return set
  const list = set.list.slice()
  const index = new Map(set.index)
  for (const a of incoming) {
    const at = index.get(a.id)
    if (at === undefined) {
      index.set(a.id, list.length)
      list.push(a)
    } else {
      list[at] = a
    }
  }
  return { list, index }
}
