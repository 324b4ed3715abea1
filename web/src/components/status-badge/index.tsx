import type { AnalysisStatus } from '../../lib/types'
import styles from './style.module.css'

/** Colour and word together, so the status never depends on seeing the colour. */
export function StatusBadge({ status, label }: { status: AnalysisStatus | null; label?: string }) {
  return (
    <span class={styles.badge} data-status={status ?? 'none'} data-testid="status-badge">
      {label ?? status ?? 'none'}
    </span>
  )
}
