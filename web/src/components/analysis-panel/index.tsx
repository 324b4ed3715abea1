import { durationBetween, formatDuration, formatTime, plural } from '../../lib/format'
import type { Analysis } from '../../lib/types'
import { Section } from '../section'
import { StatusBadge } from '../status-badge'
import styles from './style.module.css'

interface Props {
  analyses: readonly Analysis[]
  selectedId: string | null
  onSelect: (id: string) => void
  compareHref?: string | null
}

/** The image page's list of ML analyses, one selectable row each. The caller leaves it out when there are none. */
export function AnalysisPanel({ analyses, selectedId, onSelect, compareHref }: Props) {
  return (
    <Section
      title="ML Analyses"
      testid="analysis-panel"
      aside={analyses.length}
    >
      {compareHref && (
        <a class={styles.compare} href={compareHref} data-testid="compare-link">
          Compare two analyses →
        </a>
      )}
      <ul class={styles.list} role="list">
        {analyses.map((a) => (
          <li key={a.id}>
            <AnalysisItem analysis={a} selected={a.id === selectedId} onSelect={() => onSelect(a.id)} />
          </li>
        ))}
      </ul>
    </Section>
  )
}

function AnalysisItem({ analysis: a, selected, onSelect }: { analysis: Analysis; selected: boolean; onSelect: () => void }) {
  const took = durationBetween(a.started_at ?? a.created_at, a.completed_at)
  return (
    <button
      type="button"
      class={styles.item}
      aria-pressed={selected}
      onClick={onSelect}
      data-testid="analysis-item"
      data-analysis-id={a.id}
      data-status={a.status}
    >
      <span class={styles.row}>
        <span class={styles.model}>
          {a.model_name} <span class="muted">v{a.model_version}</span>
        </span>
        <StatusBadge status={a.status} />
      </span>
      <span class={styles.meta}>
        <span data-testid="annotation-count">{plural(a.annotation_count, 'annotation')}</span>
        <span title={a.created_at}>created {formatTime(a.created_at)}</span>
        {a.started_at && <span title={a.started_at}>started {formatTime(a.started_at)}</span>}
        {a.completed_at && <span title={a.completed_at}>finished {formatTime(a.completed_at)}</span>}
        {took !== null && <span>took {formatDuration(took)}</span>}
      </span>
      {a.status === 'processing' && (
        <span class={styles.progress} aria-hidden="true">
          <span style={{ width: `${Math.round(a.progress * 100)}%` }} />
        </span>
      )}
      {a.status === 'failed' && a.error_message && <span class={styles.error}>{a.error_message}</span>}
    </button>
  )
}
