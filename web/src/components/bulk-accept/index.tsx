import { useState } from 'preact/hooks'
import { ANNOTATION_TYPE_LABELS } from '../../lib/annotation-types'
import { bulkRequest, canUndoBatch, DEFAULT_BULK_FORM, describeBatch, type BulkForm } from '../../lib/bulk-review'
import { formatTime, plural } from '../../lib/format'
import { parseModelRef } from '../../lib/model-ref'
import { reviewApi } from '../../lib/project-review-api'
import type { AnnotationType, BulkReviewResponse, UndoResponse } from '../../lib/types'
import { useAsync } from '../../lib/use-async'
import { Empty, ErrorState, Loading } from '../states'
import styles from './style.module.css'

interface Props {
  projectId: string
  /** `name@version`; nothing to accept until one is chosen. */
  model: string | null
  /** Classes to suggest; any name may be typed. */
  classes: readonly string[]
  canEdit: boolean
  /**
   * The last accept here and its undo, kept by the page: this panel sits under the current image
   * and is made anew with each one, while the result must stay in sight.
   */
  last: BulkOutcome | null
  onLast: (update: (last: BulkOutcome | null) => BulkOutcome | null) => void
  /** After an accept or an undo: what is on screen may have changed. */
  onChanged: () => void
}

export interface BulkOutcome {
  result: BulkReviewResponse
  undone: UndoResponse | null
}

const TYPES = Object.keys(ANNOTATION_TYPE_LABELS) as AnnotationType[]

/**
 * Accept every prediction of a version at or above a confidence in one action, take it back, and
 * the project's history of such actions. The server has no cheap count of what a filter would
 * touch, so there is no preview; the Undo beside the result is the safety net instead.
 */
export function BulkAccept({ projectId, model, classes, canEdit, last, onLast, onChanged }: Props) {
  const [form, setForm] = useState<BulkForm>(DEFAULT_BULK_FORM)
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const history = useAsync((signal) => reviewApi.batches(projectId, signal), [projectId])
  const ref = parseModelRef(model)

  const run = async (action: () => Promise<void>) => {
    setPending(true)
    setError(null)
    try {
      await action()
      history.reload()
      onChanged()
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setPending(false)
    }
  }
  const accept = () =>
    run(async () => {
      if (!ref) return
      const result = await reviewApi.bulkAccept(projectId, bulkRequest(ref, form))
      onLast(() => ({ result, undone: null }))
    })
  const undo = (token: string) =>
    run(async () => {
      const undone = await reviewApi.undo(projectId, token)
      onLast((l) => (l && l.result.undo_token === token ? { ...l, undone } : l))
    })
  const toggleType = (type: AnnotationType, on: boolean) => setForm((f) => ({ ...f, types: on ? [...f.types, type] : f.types.filter((t) => t !== type) }))

  const batches = history.data?.batches ?? []
  return (
    <div class={styles.bulk} data-testid="bulk-accept">
      <form
        class={styles.form}
        onSubmit={(e) => {
          e.preventDefault()
          void accept()
        }}
      >
        <label class={styles.field}>
          <span>Class</span>
          <input type="text" list="bulk-classes" value={form.className} placeholder="every class" onInput={(e) => setForm((f) => ({ ...f, className: e.currentTarget.value }))} data-testid="bulk-class" />
          <datalist id="bulk-classes">
            {classes.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <label class={styles.field}>
          <span>Confidence ≥</span>
          <input
            type="number"
            min={0}
            max={1}
            step={0.01}
            value={form.minConfidence}
            onInput={(e) => {
              const v = e.currentTarget.valueAsNumber
              if (Number.isFinite(v)) setForm((f) => ({ ...f, minConfidence: v }))
            }}
            data-testid="bulk-min-confidence"
          />
        </label>
        <fieldset class={styles.types}>
          <legend>Types (none checked: every type)</legend>
          {TYPES.map((t) => (
            <label key={t}>
              <input type="checkbox" checked={form.types.includes(t)} onChange={(e) => toggleType(t, e.currentTarget.checked)} data-testid={`bulk-type-${t}`} />
              {ANNOTATION_TYPE_LABELS[t]}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={!canEdit || !ref || pending} data-testid="bulk-submit">
          Accept {ref ? `${model}'s predictions` : ''}
        </button>
        {!canEdit && <p class="muted">Only editors and owners can accept in bulk.</p>}
      </form>

      {error && (
        <p class={styles.error} role="alert" data-testid="bulk-error">
          {error}
        </p>
      )}
      {last && (
        <p class={styles.result} role="status" data-testid="bulk-result">
          {last.undone ? (
            <span data-testid="bulk-undone">
              Undone: {plural(last.undone.restored, 'prediction')} put back{last.undone.skipped > 0 && `, ${last.undone.skipped.toLocaleString()} reviewed since left as they are`}.
            </span>
          ) : (
            <>
              <span data-testid="bulk-accepted">
                {last.result.accepted.toLocaleString()} accepted in {plural(last.result.analyses, 'analysis', 'analyses')}
              </span>
              <button type="button" onClick={() => void undo(last.result.undo_token)} disabled={!canEdit || pending} data-testid="bulk-undo">
                ↶ Undo
              </button>
            </>
          )}
        </p>
      )}

      <h3 class={styles.heading}>History</h3>
      {history.error && <ErrorState error={history.error} retry={history.reload} title="Could not load the history" />}
      {history.loading && !history.data && <Loading label="Loading the history…" />}
      {history.data && batches.length === 0 && <Empty title="No bulk reviews yet" />}
      {batches.length > 0 && (
        <ul class={styles.history} data-testid="batch-list">
          {batches.map((b) => (
            <li key={b.undo_token} data-testid="batch-row" data-undone={b.undone_at ? 'true' : 'false'}>
              <span class={styles.what}>{describeBatch(b.filter)}</span>
              <span class="muted" title={b.created_at}>
                {formatTime(b.created_at)} · {b.accepted.toLocaleString()} accepted
              </span>
              {canUndoBatch(b) ? (
                <button type="button" onClick={() => void undo(b.undo_token)} disabled={!canEdit || pending} data-testid="batch-undo">
                  Undo
                </button>
              ) : (
                <span class="muted" title={b.undone_at ?? undefined}>
                  undone {formatTime(b.undone_at)}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
