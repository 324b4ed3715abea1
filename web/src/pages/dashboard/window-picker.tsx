import { ACTIVITY_WINDOWS } from '../../lib/activity-series'
import styles from './style.module.css'

/** The time window, as a group of toggle buttons: one is always pressed. */
export function WindowPicker({ days, onChange }: { days: number; onChange(days: number): void }) {
  return (
    <div class={styles.picker} role="group" aria-label="Time window" data-testid="window-picker">
      {ACTIVITY_WINDOWS.map((w) => (
        <button key={w.days} type="button" aria-pressed={w.days === days} data-testid={`window-${w.days}`} onClick={() => onChange(w.days)}>
          {w.label}
        </button>
      ))}
    </div>
  )
}
