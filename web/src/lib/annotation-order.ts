import type { Annotation, ReviewState } from './types'

/** How the annotation list, and stepping with the keyboard, orders what is visible. */
export type SortKey = 'confidence' | 'class' | 'type' | 'review' | 'created'
export interface Sort {
  key: SortKey
  dir: 'asc' | 'desc'
}

export const DEFAULT_SORT: Sort = { key: 'confidence', dir: 'desc' }

/** Clicking a column: the same column flips its direction, another starts from its natural one. */
export function toggleSort(current: Sort, key: SortKey): Sort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
  return { key, dir: key === 'confidence' ? 'desc' : 'asc' }
}

const REVIEW_RANK: Record<ReviewState, number> = { unreviewed: 0, accepted: 1, rejected: 2 }
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/**
 * A sorted copy. Ties fall back to the pipeline's `ordering`, then creation, then id, so the order
 * is total and stable across renders: the next item after a decision is always the same one.
 */
export function sortAnnotations(list: readonly Annotation[], sort: Sort): Annotation[] {
  const sign = sort.dir === 'asc' ? 1 : -1
  const primary = (a: Annotation, b: Annotation): number => {
    switch (sort.key) {
      case 'confidence':
        // Without a confidence, an annotation sorts below every scored one, whichever the direction.
        if (a.confidence === null || b.confidence === null) return a.confidence === b.confidence ? 0 : a.confidence === null ? 1 : -1
        return sign * (a.confidence - b.confidence)
      case 'class':
        return sign * collator.compare(a.class_name ?? '', b.class_name ?? '')
      case 'type':
        return sign * a.annotation_type.localeCompare(b.annotation_type)
      case 'review':
        return sign * (REVIEW_RANK[a.review_state] - REVIEW_RANK[b.review_state])
      case 'created':
        return sign * a.created_at.localeCompare(b.created_at)
    }
  }
  return [...list].sort(
    (a, b) =>
      primary(a, b) ||
      (a.ordering ?? Number.MAX_SAFE_INTEGER) - (b.ordering ?? Number.MAX_SAFE_INTEGER) ||
      a.created_at.localeCompare(b.created_at) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
}

/** The id `delta` steps from `id` in `order`, clamped; from nothing, the first (or last). */
export function stepFrom(order: readonly { id: string }[], id: string | null, delta: number): string | null {
  if (order.length === 0) return null
  const at = id ? order.findIndex((a) => a.id === id) : -1
  const next = at === -1 ? (delta > 0 ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, at + delta))
  return order[next]!.id
}

/**
 * Where the selection goes after a decision on `id`: the next item, or the one before when it was
 * the last, or nothing when it was the only one. Computed on the order before the decision, since
 * with "hide reviewed" the item leaves the order as it is decided.
 */
export function nextAfterDecision(order: readonly { id: string }[], id: string): string | null {
  const at = order.findIndex((a) => a.id === id)
  if (at === -1) return order[0]?.id ?? null
  return order[at + 1]?.id ?? order[at - 1]?.id ?? null
}
