import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { Sort, SortKey } from '../../lib/annotation-order'
import { toggleSort } from '../../lib/annotation-order'
import type { ReviewFilter } from '../../lib/filters'
import { formatConfidence } from '../../lib/format'
import { revealRow, visibleRange } from '../../lib/virtual-window'
import { colorOf, type ClassColors } from '../../lib/use-overlay-model'
import type { Annotation, AnnotationType, ReviewState } from '../../lib/types'
import styles from './style.module.css'

interface Props {
  items: readonly Annotation[]
  colors: ClassColors
  selectedId: string | null
  onSelect: (id: string) => void
  sort: Sort
  onSort: (sort: Sort) => void
  query: string
  onQuery: (query: string) => void
  review: ReviewFilter
  onReview: (review: ReviewFilter) => void
}

const ROW = 28
const TYPE_SHORT: Record<AnnotationType, string> = {
  bounding_box: 'box',
  classification: 'class',
  heatmap: 'heatmap',
  mask: 'mask',
  segmentation: 'segm.',
  polygon: 'polygon',
  keypoint: 'pose',
  custom: 'custom',
}
const REVIEW_MARK: Record<ReviewState, string> = { unreviewed: '·', accepted: '✓', rejected: '✗' }
const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'class', label: 'Class' },
  { key: 'confidence', label: 'Conf.' },
  { key: 'type', label: 'Type' },
  { key: 'review', label: 'Review' },
]

/**
 * Every visible annotation as a row, in the order A, R and the arrow keys walk. Only the rows in
 * view are in the DOM, so 50,000 cost what 30 do. Selection is shared with the canvas both ways.
 */
export function AnnotationList({ items, colors, selectedId, onSelect, sort, onSort, query, onQuery, review, onReview }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const [scroll, setScroll] = useState({ top: 0, height: 240 })
  const range = visibleRange(scroll.top, scroll.height, ROW, items.length)
  const selectedIndex = useMemo(() => (selectedId ? items.findIndex((a) => a.id === selectedId) : -1), [items, selectedId])

  // Selecting on the canvas brings the row into view; scrolling the list by hand is left alone.
  useLayoutEffect(() => {
    const el = box.current
    if (!el || selectedIndex < 0) return
    const top = revealRow(el.scrollTop, el.clientHeight, ROW, selectedIndex)
    if (top !== el.scrollTop) el.scrollTop = top
  }, [selectedIndex])

  useLayoutEffect(() => {
    const el = box.current
    if (el && el.clientHeight !== scroll.height) setScroll({ top: el.scrollTop, height: el.clientHeight })
  })

  return (
    <div class={styles.wrap}>
      <div class={styles.filters}>
        <input
          type="search"
          class={styles.search}
          placeholder="Filter by class or type…"
          value={query}
          onInput={(e) => onQuery(e.currentTarget.value)}
          aria-label="Filter annotations by class or type"
          data-testid="annotation-search"
        />
        <select value={review} onChange={(e) => onReview(e.currentTarget.value as ReviewFilter)} aria-label="Review state shown" data-testid="review-filter">
          <option value="all">All states</option>
          <option value="unreviewed">Unreviewed</option>
          <option value="accepted">Accepted</option>
          <option value="rejected">Rejected</option>
        </select>
      </div>
      <div class={styles.header} role="presentation">
        <span class={styles.swatchCol} />
        {COLUMNS.map((c) => (
          <button
            key={c.key}
            type="button"
            class={styles[`col_${c.key}`]}
            // A list box has no column headers for aria-sort to describe: the sort is a pressed button whose name says the order.
            aria-pressed={sort.key === c.key}
            aria-label={sort.key === c.key ? `Sorted by ${c.label.toLowerCase()}, ${sort.dir === 'asc' ? 'ascending' : 'descending'}` : `Sort by ${c.label.toLowerCase()}`}
            data-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
            onClick={() => onSort(toggleSort(sort, c.key))}
            data-testid={`sort-${c.key}`}
            title={`Sort by ${c.label.toLowerCase()}`}
          >
            {c.label}
            {sort.key === c.key && <span aria-hidden="true">{sort.dir === 'asc' ? ' ▲' : ' ▼'}</span>}
          </button>
        ))}
      </div>
      <div
        ref={box}
        class={styles.list}
        role="listbox"
        tabIndex={0}
        aria-label={`Annotations, ${items.length.toLocaleString()}`}
        aria-activedescendant={selectedIndex >= 0 ? `ann-${items[selectedIndex]!.id}` : undefined}
        data-testid="annotation-list"
        data-count={items.length}
        onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
        onKeyDown={(e) => {
          if (e.key !== 'Home' && e.key !== 'End') return
          const target = e.key === 'Home' ? items[0] : items.at(-1)
          if (target) onSelect(target.id)
          e.preventDefault()
        }}
      >
        {items.length === 0 ? (
          <p class={styles.empty}>Nothing matches the filters.</p>
        ) : (
          <div style={{ height: `${items.length * ROW}px`, position: 'relative' }}>
            {items.slice(range.start, range.end).map((a, k) => {
              const i = range.start + k
              return (
                <div
                  key={a.id}
                  id={`ann-${a.id}`}
                  role="option"
                  aria-selected={i === selectedIndex}
                  class={styles.row}
                  style={{ transform: `translateY(${i * ROW}px)` }}
                  data-review-state={a.review_state}
                  data-testid="annotation-row"
                  data-annotation-id={a.id}
                  onClick={() => onSelect(a.id)}
                >
                  <span class={styles.swatch} style={{ background: colorOf(colors, a.class_name) }} aria-hidden="true" />
                  <span class={styles.col_class} title={a.class_name ?? ''}>
                    {a.class_name ?? <span class="muted">no class</span>}
                  </span>
                  <span class={styles.col_confidence}>{formatConfidence(a.confidence)}</span>
                  <span class={styles.col_type}>{TYPE_SHORT[a.annotation_type]}</span>
                  <span class={styles.col_review} title={a.review_state}>
                    <span aria-hidden="true">{REVIEW_MARK[a.review_state]}</span>
                    <span class="visually-hidden">{a.review_state}</span>
                  </span>
                </div>
              )
            })}
          </div>
        )}
      </div>
    </div>
  )
}
