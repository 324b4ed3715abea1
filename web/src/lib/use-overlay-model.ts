import { useMemo } from 'preact/hooks'
import { sortAnnotations, type Sort } from './annotation-order'
import { classCounts, classKey, isVisible, matchesQuery, reviewCounts, typeCounts, type OverlayFilters } from './filters'
import type { Size } from './geometry'
import { confidenceHistogram } from './histogram'
import { buildScene, type SceneEntry } from './overlay-scene'
import { OUTCOME_STYLE, type Outcome } from './outcome-style'
import { assignClassColors, UNLABELLED_COLOR } from './palette'
import type { Annotation } from './types'

export type ClassColors = ReadonlyMap<string | null, string>

export const colorOf = (colors: ClassColors, className: string | null) => colors.get(className) ?? UNLABELLED_COLOR

/**
 * Everything the image page derives from the annotations and the filters, recomputed only when they
 * change. With `outcomes` (an evaluation's, by annotation id) boxes are drawn by outcome instead of
 * class; an annotation the evaluation did not judge is drawn as `ignored`.
 */
export function useOverlayModel(all: readonly Annotation[], filters: OverlayFilters, natural: Size, sort: Sort, outcomes?: ReadonlyMap<string, Outcome> | null) {
  const types = useMemo(() => typeCounts(all), [all])
  const classNames = useMemo(() => {
    const names = new Set<string | null>()
    for (const a of all) names.add(a.class_name)
    return [...names].sort().join('\u0000')
  }, [all])
  // Keyed on the set of names, so a live page of boxes of known classes keeps every colour.
  const colors = useMemo(() => assignClassColors(classNames ? classNames.split('\u0000').map((n) => n || null) : []), [classNames])
  const classes = useMemo(() => classCounts(all, filters), [all, filters])
  const visible = useMemo(() => all.filter((a) => isVisible(a, filters)), [all, filters])
  // The histogram ignores the threshold itself, so it shows what moving the slider would hide.
  const histogram = useMemo(
    () =>
      confidenceHistogram(
        all
          .filter(
            (a) =>
              !filters.hiddenTypes.has(a.annotation_type) &&
              !filters.hiddenClasses.has(classKey(a)) &&
              (filters.review === 'all' || a.review_state === filters.review) &&
              matchesQuery(a, filters.query),
          )
          .map((a) => a.confidence),
      ),
    [all, filters.hiddenTypes, filters.hiddenClasses, filters.review, filters.query],
  )
  const scene = useMemo(() => {
    const entry = (annotation: Annotation): SceneEntry => {
      if (!outcomes) return { annotation, color: colorOf(colors, annotation.class_name), review: annotation.review_state }
      const outcome = outcomes.get(annotation.id) ?? 'ignored'
      return { annotation, color: OUTCOME_STYLE[outcome].color, review: annotation.review_state, outcome }
    }
    return buildScene(visible.map(entry), natural)
  }, [visible, colors, outcomes, natural.width, natural.height])
  /** The list's order, which is also the order A, R and the arrow keys walk. */
  const ordered = useMemo(() => sortAnnotations(visible, sort), [visible, sort])
  const itemOf = useMemo(() => new Map(visible.map((a, i) => [a.id, i])), [visible])
  const byId = useMemo(() => new Map(all.map((a) => [a.id, a])), [all])
  const reviews = useMemo(() => reviewCounts(all), [all])
  const classification = useMemo(() => visible.filter((a) => a.annotation_type === 'classification'), [visible])
  const custom = useMemo(() => visible.filter((a) => a.annotation_type === 'custom'), [visible])
  return { types, colors, classes, visible, ordered, histogram, scene, itemOf, byId, reviews, classification, custom }
}
