import { useEffect, useRef } from 'preact/hooks'
import type { Sort } from '../../lib/annotation-order'
import type { OverlayFilters, ReviewCounts } from '../../lib/filters'
import type { Annotation } from '../../lib/types'
import { colorOf, type ClassColors } from '../../lib/use-overlay-model'
import type { ReviewControls } from '../../lib/use-review'
import { AnnotationDetail } from '../annotation-detail'
import { AnnotationList } from '../annotation-list'
import { ReviewKeys, ReviewProgress, ReviewSteps } from '../review-panel'
import styles from './style.module.css'

interface Props {
  ordered: readonly Annotation[]
  counts: ReviewCounts
  colors: ClassColors
  filters: OverlayFilters
  onFilters: (update: (f: OverlayFilters) => OverlayFilters) => void
  sort: Sort
  onSort: (sort: Sort) => void
  current: Annotation | undefined
  onSelect: (id: string | null) => void
  review: ReviewControls
}

/** Progress, the list of what is visible, and the selected item's details with its decision. */
export function ReviewSection({ ordered, counts, colors, filters, onFilters, sort, onSort, current, onSelect, review }: Props) {
  const detail = useRef<HTMLDivElement>(null)
  const at = current ? ordered.findIndex((a) => a.id === current.id) : -1
  const position = at >= 0 ? `${at + 1} / ${ordered.length}` : `– / ${ordered.length}`

  // A click on the canvas must show its details, not leave them below the fold.
  useEffect(() => {
    // The head and the decision buttons; the JSON below may be taller than the sidebar.
    if (current) detail.current?.querySelector('[data-detail-actions]')?.scrollIntoView({ block: 'nearest' })
  }, [current?.id])

  return (
    <div class={styles.section}>
      <ReviewProgress counts={counts} />
      <AnnotationList
        items={ordered}
        colors={colors}
        selectedId={current?.id ?? null}
        onSelect={onSelect}
        sort={sort}
        onSort={onSort}
        query={filters.query}
        onQuery={(query) => onFilters((f) => ({ ...f, query }))}
        review={filters.review}
        onReview={(review) => onFilters((f) => ({ ...f, review }))}
      />
      <ReviewSteps
        hideReviewed={filters.review === 'unreviewed'}
        onHideReviewed={(hide) => onFilters((f) => ({ ...f, review: hide ? 'unreviewed' : 'all' }))}
        onPrevious={review.previous}
        onNext={review.next}
        onUndo={() => void review.undo()}
        canUndo={review.canUndo}
        position={position}
        error={review.error}
      />
      <div ref={detail} class={styles.detail}>
        {current ? (
          <AnnotationDetail
            annotation={current}
            color={colorOf(colors, current.class_name)}
            onReview={(state, note) => review.review(current, state, { note })}
            onClose={() => onSelect(null)}
            pending={review.pending}
          />
        ) : (
          <p class="muted">Click an overlay or a row, or press ↓ to step through them.</p>
        )}
      </div>
      <ReviewKeys />
    </div>
  )
}
