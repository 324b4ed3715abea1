import { OUTCOME_STYLE, type Outcome } from '../../lib/outcome-style'
import styles from './style.module.css'

const NAMES: Record<Outcome, string> = { tp: 'true positive', fp: 'false positive', fn: 'missed (false negative)', ignored: 'ignored', truth: 'ground truth' }

/** What each line means on the image, with how many there are: colour, line and word together. */
export function OutcomeLegend({ counts }: { counts: Partial<Record<Outcome, number>> }) {
  const shown = (Object.keys(counts) as Outcome[]).filter((o) => counts[o] !== undefined)
  return (
    <ul class={styles.legend} data-testid="outcome-legend">
      {shown.map((o) => {
        const s = OUTCOME_STYLE[o]
        return (
          <li key={o} data-outcome={o} data-count={counts[o]}>
            <span class={styles.key} style={{ borderColor: s.color, borderStyle: s.line, background: s.fill ? `${s.color}33` : 'transparent' }} aria-hidden="true" />
            <strong>{s.label}</strong> <span class="muted">{NAMES[o]}</span> <span class="mono">{counts[o]}</span>
          </li>
        )
      })}
    </ul>
  )
}
