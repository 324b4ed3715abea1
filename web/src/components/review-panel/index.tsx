import type { ReviewCounts } from '../../lib/filters'
import styles from './style.module.css'

/** How far the review has got: a bar, and the counts by decision. */
export function ReviewProgress({ counts }: { counts: ReviewCounts }) {
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
    </div>
  )
}

interface StepsProps {
  hideReviewed: boolean
  onHideReviewed: (hide: boolean) => void
  onPrevious: () => void
  onNext: () => void
  onUndo: () => void
  canUndo: boolean
  position: string
  error: string | null
}

/** Stepping through the list, taking a decision back, and hiding what is decided. */
export function ReviewSteps({ hideReviewed, onHideReviewed, onPrevious, onNext, onUndo, canUndo, position, error }: StepsProps) {
  return (
    <div class={styles.review}>
      <div class={styles.row}>
        <button type="button" onClick={onPrevious} aria-label="Previous annotation" data-testid="review-previous">
          ←
        </button>
        <span class={styles.position} aria-live="polite" data-testid="review-position">
          {position}
        </span>
        <button type="button" onClick={onNext} aria-label="Next annotation" data-testid="review-next">
          →
        </button>
        <button type="button" onClick={onUndo} disabled={!canUndo} data-testid="review-undo-last" title="Take back the last decision (U)">
          ↶ Undo
        </button>
        <label class={styles.hide}>
          <input type="checkbox" checked={hideReviewed} onChange={(e) => onHideReviewed(e.currentTarget.checked)} data-testid="hide-reviewed" />
          Hide reviewed
        </label>
      </div>
      {error && (
        <p class={styles.error} role="alert" data-testid="review-error">
          Could not save the review: {error}
        </p>
      )}
    </div>
  )
}

/** The keys, and how each decision looks on the image. */
export function ReviewKeys() {
  return (
    <div class={styles.help}>
      <p class={styles.keys}>
        <kbd>A</kbd> accept · <kbd>R</kbd> reject, then on to the next · <kbd>U</kbd> undo · <kbd>↑</kbd>
        <kbd>↓</kbd> step · <kbd>H</kbd> overlays off
      </p>
      <p class={styles.legend} aria-label="How decisions look on the image">
        <span class={styles.styleUnreviewed} aria-hidden="true" /> to do
        <span class={styles.styleAccepted} aria-hidden="true" /> accepted ✓
        <span class={styles.styleRejected} aria-hidden="true" /> rejected ✗
      </p>
    </div>
  )
}
