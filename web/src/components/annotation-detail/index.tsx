import { useEffect, useState } from 'preact/hooks'
import { formatConfidence, formatTime } from '../../lib/format'
import type { Annotation, ReviewState } from '../../lib/types'
import { JsonInspector } from '../json-inspector'
import styles from './style.module.css'

interface Props {
  annotation: Annotation
  color: string
  onReview: (state: ReviewState, note?: string | null) => void
  onClose: () => void
  pending: boolean
}

export function AnnotationDetail({ annotation: a, color, onReview, onClose, pending }: Props) {
  const [note, setNote] = useState(a.review_note ?? '')
  useEffect(() => setNote(a.review_note ?? ''), [a.id, a.review_note])
  const noteArg = () => (note.trim() === (a.review_note ?? '') ? undefined : note.trim() || null)

  return (
    <div class={styles.detail} data-testid="annotation-detail" data-annotation-id={a.id} data-review-state={a.review_state}>
      <div class={styles.head}>
        <span class={styles.swatch} style={{ background: color }} aria-hidden="true" />
        <strong>{a.class_name ?? a.annotation_type}</strong>
        <span class="muted">{formatConfidence(a.confidence)}</span>
        <button type="button" class={styles.close} onClick={onClose} aria-label="Close details">
          ×
        </button>
      </div>
      <div class={styles.actions} role="group" aria-label="Review" data-detail-actions>
        <button type="button" onClick={() => onReview('accepted', noteArg())} disabled={pending} aria-pressed={a.review_state === 'accepted'} data-testid="review-accept">
          <kbd>A</kbd> Accept
        </button>
        <button type="button" onClick={() => onReview('rejected', noteArg())} disabled={pending} aria-pressed={a.review_state === 'rejected'} data-testid="review-reject">
          <kbd>R</kbd> Reject
        </button>
        <button type="button" onClick={() => onReview('unreviewed', noteArg())} disabled={pending || a.review_state === 'unreviewed'} data-testid="review-undo" title="Back to unreviewed">
          Clear
        </button>
      </div>
      <dl class={styles.facts}>
        <dt>Type</dt>
        <dd>{a.annotation_type}</dd>
        <dt>Review</dt>
        <dd>
          <span class={styles.state} data-state={a.review_state} data-testid="review-state">
            {a.review_state}
          </span>
          {a.reviewed_at && <span class="muted"> {formatTime(a.reviewed_at)}</span>}
        </dd>
        {a.storage_path && (
          <>
            <dt>Artifact</dt>
            <dd class="mono">{a.storage_path}</dd>
          </>
        )}
        <dt>ID</dt>
        <dd class="mono">{a.id}</dd>
      </dl>
      <label class={styles.note}>
        <span class="muted">Note (saved with the next decision)</span>
        <textarea rows={2} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="review-note" />
      </label>
      <JsonInspector value={a.data} />
    </div>
  )
}
