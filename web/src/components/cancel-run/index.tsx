import { useState } from 'preact/hooks'
import { api } from '../../lib/api'
import type { Analysis } from '../../lib/types'
import styles from './style.module.css'

/**
 * Cancels a queued or running analysis, after a second click: a run stopped by mistake cannot be
 * resumed. The pipeline learns of it on its next callback.
 */
export function CancelRun({ analysis, onCanceled }: { analysis: Analysis; onCanceled: (analysis: Analysis) => void }) {
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const cancel = async () => {
    setBusy(true)
    setError(null)
    try {
      onCanceled(await api.cancel(analysis.id))
      setConfirming(false)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class={styles.cancel}>
      {confirming ? (
        <>
          <span>Stop this run?</span>
          <button type="button" class={styles.danger} onClick={cancel} disabled={busy} data-testid="cancel-confirm">
            {busy ? 'Canceling…' : 'Cancel run'}
          </button>
          <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
            Keep running
          </button>
        </>
      ) : (
        <button type="button" onClick={() => setConfirming(true)} data-testid="cancel-run" aria-label={`Cancel ${analysis.model_name} v${analysis.model_version}`}>
          Cancel
        </button>
      )}
      {error && (
        <span class={styles.error} role="alert">
          {error}
        </span>
      )}
    </div>
  )
}
