import { durationBetween, formatDuration, formatTime, plural } from '../../lib/format'
import { isTerminal, type Analysis } from '../../lib/types'
import { CancelRun } from '../cancel-run'
import { Section } from '../section'
import { StatusBadge } from '../status-badge'
import styles from './style.module.css'

interface Props {
  analyses: readonly Analysis[]
  selectedId: string | null
  onSelect: (id: string) => void
  compareHref?: string | null
  /** Editors and owners may cancel a run; viewers see no button. */
  canCancel: boolean
  onCanceled: (analysis: Analysis) => void
}

/** The short id people say out loud: enough to tell two runs of one model and version apart. */
export const shortId = (id: string) => id.slice(0, 8)

/** The image's analyses, to pick one from. The caller leaves it out when there are none. */
export function AnalysisPanel({ analyses, selectedId, onSelect, compareHref, canCancel, onCanceled }: Props) {
  return (
    <Section
      title="ML Analyses"
      testid="analysis-panel"
      aside={
        <>
          {compareHref && (
            <a class={styles.compare} href={compareHref} data-testid="compare-link">
              Compare →
            </a>
          )}
          {analyses.length}
        </>
      }
    >
      <ul class={styles.list} role="list">
        {analyses.map((a) => {
          const cancellable = canCancel && !isTerminal(a.status)
          return (
            <li key={a.id} class={styles.entry} data-cancellable={cancellable ? '' : undefined}>
              <AnalysisItem analysis={a} selected={a.id === selectedId} onSelect={() => onSelect(a.id)} />
              {cancellable && (
                <div class={styles.cancel}>
                  <CancelRun analysis={a} onCanceled={onCanceled} />
                </div>
              )}
            </li>
          )
        })}
      </ul>
    </Section>
  )
}

function AnalysisItem({ analysis: a, selected, onSelect }: { analysis: Analysis; selected: boolean; onSelect: () => void }) {
  const took = durationBetween(a.started_at ?? a.created_at, a.completed_at)
  return (
    <button type="button" class={styles.item} aria-pressed={selected} onClick={onSelect} data-testid="analysis-item" data-analysis-id={a.id} data-status={a.status}>
      <span class={styles.row}>
        <span class={styles.model}>
          {a.model_name} <span class="muted">v{a.model_version}</span>
        </span>
        <StatusBadge status={a.status} />
      </span>
      <span class={styles.meta}>
        <span class="mono" title={`Analysis ${a.id}, created ${a.created_at}`} data-testid="analysis-short-id">
          #{shortId(a.id)}
        </span>
        <span data-testid="annotation-count">{plural(a.annotation_count, 'annotation')}</span>
        {took !== null ? <span title={`created ${formatTime(a.created_at)}`}>took {formatDuration(took)}</span> : <span title={a.created_at}>{formatTime(a.created_at)}</span>}
        {a.external_job_id && (
          <span class={`mono ${styles.job}`} title={`External job ${a.external_job_id}`} data-testid="analysis-job-id">
            job {a.external_job_id}
          </span>
        )}
      </span>
      {a.status === 'processing' && (
        <span class={styles.progress} aria-hidden="true">
          <span style={{ width: `${Math.round(a.progress * 100)}%` }} />
        </span>
      )}
      {a.status === 'failed' && a.error_message && <span class={styles.error}>{a.error_message.split('\n').filter(Boolean).at(-1)}</span>}
    </button>
  )
}
