import { useMemo } from 'preact/hooks'
import { classCounts, classKey, isVisible, reviewCounts, typeCounts, type OverlayFilters } from './filters'
import type { Size } from './geometry'
import { confidenceHistogram } from './histogram'
import { buildScene } from './overlay-scene'
import { classColor } from './palette'
import type { Annotation } from './types'

/** Everything the image page derives from the annotations and the filters, recomputed only when they change. */
export function useOverlayModel(all: readonly Annotation[], filters: OverlayFilters, natural: Size) {
  const types = useMemo(() => typeCounts(all), [all])
  const classes = useMemo(() => classCounts(all, filters), [all, filters])
  const visible = useMemo(() => all.filter((a) => isVisible(a, filters)), [all, filters])
  // The histogram ignores the threshold itself, so it shows what moving the slider would hide.
  const histogram = useMemo(
    () =>
      confidenceHistogram(
        all
          .filter((a) => !filters.hiddenTypes.has(a.annotation_type) && !filters.hiddenClasses.has(classKey(a)) && (filters.review === 'all' || a.review_state === filters.review))
          .map((a) => a.confidence),
      ),
    [all, filters.hiddenTypes, filters.hiddenClasses, filters.review],
  )
  const scene = useMemo(
    () => buildScene(visible.map((annotation) => ({ annotation, color: classColor(annotation.class_name) })), natural),
    [visible, natural.width, natural.height],
  )
  const itemOf = useMemo(() => new Map(visible.map((a, i) => [a.id, i])), [visible])
  const byId = useMemo(() => new Map(all.map((a) => [a.id, a])), [all])
  const reviews = useMemo(() => reviewCounts(all), [all])
  const classification = useMemo(() => visible.filter((a) => a.annotation_type === 'classification'), [visible])
  const custom = useMemo(() => visible.filter((a) => a.annotation_type === 'custom'), [visible])
  return { types, classes, visible, histogram, scene, itemOf, byId, reviews, classification, custom }
}
