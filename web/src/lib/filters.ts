import type { Annotation, AnnotationType, ReviewState } from './types'

export type ReviewFilter = 'all' | ReviewState

export interface OverlayFilters {
  /** Types switched off. */
  hiddenTypes: ReadonlySet<AnnotationType>
  threshold: number
  hiddenClasses: ReadonlySet<string>
  review: ReviewFilter
  /** Text typed into the annotation list's search: part of a class name or a type. */
  query: string
}

export const DEFAULT_FILTERS: OverlayFilters = { hiddenTypes: new Set(), threshold: 0, hiddenClasses: new Set(), review: 'all', query: '' }

export const NO_CLASS = '(no class)'

export const classKey = (a: Pick<Annotation, 'class_name'>) => a.class_name ?? NO_CLASS

/** Annotations without a confidence are never hidden by the threshold: there is nothing to compare. */
export function passesThreshold(a: Pick<Annotation, 'confidence'>, threshold: number): boolean {
  return a.confidence === null || a.confidence >= threshold
}

/** Case-insensitive, on the class name or the type; every word must match. */
export function matchesQuery(a: Pick<Annotation, 'class_name' | 'annotation_type'>, query: string): boolean {
  const q = query.trim().toLowerCase()
  if (!q) return true
  const hay = `${a.class_name ?? NO_CLASS} ${a.annotation_type.replace('_', ' ')}`.toLowerCase()
  return q.split(/\s+/).every((word) => hay.includes(word))
}

export function isVisible(a: Annotation, f: OverlayFilters): boolean {
  return (
    !f.hiddenTypes.has(a.annotation_type) &&
    passesThreshold(a, f.threshold) &&
    !f.hiddenClasses.has(classKey(a)) &&
    (f.review === 'all' || a.review_state === f.review) &&
    matchesQuery(a, f.query)
  )
}

export interface ClassCount {
  name: string
  /** Above the threshold, of an enabled type, matching the review filter. */
  visible: number
  total: number
}

/** Class chips: counts that follow the other filters, so a chip says what switching it changes. */
export function classCounts(annotations: readonly Annotation[], f: OverlayFilters): ClassCount[] {
  const counts = new Map<string, ClassCount>()
  for (const a of annotations) {
    const name = classKey(a)
    let c = counts.get(name)
    if (!c) counts.set(name, (c = { name, visible: 0, total: 0 }))
    c.total++
    if (!f.hiddenTypes.has(a.annotation_type) && passesThreshold(a, f.threshold) && (f.review === 'all' || a.review_state === f.review) && matchesQuery(a, f.query)) c.visible++
  }
  return [...counts.values()].sort((x, y) => y.total - x.total || x.name.localeCompare(y.name))
}

export function typeCounts(annotations: readonly Annotation[]): Map<AnnotationType, number> {
  const counts = new Map<AnnotationType, number>()
  for (const a of annotations) counts.set(a.annotation_type, (counts.get(a.annotation_type) ?? 0) + 1)
  return counts
}

export interface ReviewCounts {
  accepted: number
  rejected: number
  unreviewed: number
  total: number
}

export function reviewCounts(annotations: readonly Annotation[]): ReviewCounts {
  const c: ReviewCounts = { accepted: 0, rejected: 0, unreviewed: 0, total: annotations.length }
  for (const a of annotations) c[a.review_state]++
  return c
}
