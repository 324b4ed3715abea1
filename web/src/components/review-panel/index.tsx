import type { ReviewCounts, ReviewFilter } from '../../lib/filters'
import styles from './style.module.css'

interface Props {
  counts: ReviewCounts
  filter: ReviewFilter
  onFilter: (filter: ReviewFilter) => void
  onPrevious: () => void
  onNext: () => void
  position: string
  error: string | null
}

export function ReviewPanel({ counts, filter, onFilter, onPrevious, onNext, position, error }: Props) {
  const done = counts.accepted + counts.rejected
  const pct = counts.total ? (done / counts.total) * 100 : 0
  return (
    <div class={styles.review} data-testid="review-panel">
      <div class={styles.progress} role="progressbar" aria-label="Reviewed" aria-valuemin={0} aria-valuemax={counts.total} aria-valuenow={done}>
        <span class={styles.accepted} style={{ width: `${counts.total ? (counts.accepted / counts.total) * 100 : 0}%` }} />
        <span class={styles.rejected} style={{ width: `${counts.total ? (counts.rejected / counts.total) * 100 : 0}%` }} />
      </div>
      <p class={styles.counts} data-testid="review-counts">
        <span>
          {done} of {counts.total} reviewed ({pct.toFixed(0)}%)
        </span>
        <span>
          <span class={styles.dotAccepted} aria-hidden="true" /> {counts.accepted} accepted
        </span>
        <span>
          <span class={styles.dotRejected} aria-hidden="true" /> {counts.rejected} rejected
        </span>
        <span>{counts.unreviewed} to do</span>
      </p>
      <div class={styles.row}>
        <label>
          <span class="visually-hidden">Show</span>
          <select value={filter} onChange={(e) => onFilter(e.currentTarget.value as ReviewFilter)} data-testid="review-filter">
            <option value="all">All states</option>
            <option value="unreviewed">Unreviewed</option>
            <option value="accepted">Accepted</option>
            <option value="rejected">Rejected</option>
          </select>
        </label>
        <button type="button" onClick={onPrevious} aria-label="Previous annotation" data-testid="review-previous">
          ←
        </button>
        <span class={styles.position} aria-live="polite">
          {position}
        </span>
        <button type="button" onClick={onNext} aria-label="Next annotation" data-testid="review-next">
          →
        </button>
      </div>
      {error && (
        <p class={styles.error} role="alert" data-testid="review-error">
          Could not save the review: {error}
        </p>
      )}
      <p class={styles.keys}>
        <kbd>A</kbd> accept · <kbd>R</kbd> reject · <kbd>U</kbd> undo · <kbd>←</kbd>
        <kbd>→</kbd> previous / next
      </p>
    </div>
  )
}
