import type { ClassCount } from '../../lib/filters'
import { classColor } from '../../lib/palette'
import { NO_CLASS } from '../../lib/filters'
import styles from './style.module.css'

interface Props {
  classes: readonly ClassCount[]
  hidden: ReadonlySet<string>
  onToggle: (name: string) => void
  onOnly: (name: string | null) => void
}

/** One chip per class: its colour, and how many are shown of how many there are. */
export function ClassChips({ classes, hidden, onToggle, onOnly }: Props) {
  if (classes.length === 0) return <p class="muted">No classes.</p>
  return (
    <div>
      <div class={styles.chips} role="group" aria-label="Classes">
        {classes.map((c) => {
          const on = !hidden.has(c.name)
          return (
            <button
              key={c.name}
              type="button"
              class={styles.chip}
              aria-pressed={on}
              onClick={(e) => (e.altKey || e.shiftKey ? onOnly(c.name) : onToggle(c.name))}
              title={`${c.name}: ${c.visible} shown of ${c.total}. Shift+click to show only this class.`}
              data-testid="class-chip"
              data-class={c.name}
            >
              <span class={styles.swatch} style={{ background: classColor(c.name === NO_CLASS ? null : c.name) }} aria-hidden="true" />
              <span class={styles.name}>{c.name}</span>
              <span class={styles.count}>{on ? c.visible : 0}/{c.total}</span>
            </button>
          )
        })}
      </div>
      {hidden.size > 0 && (
        <button type="button" class={styles.reset} onClick={() => onOnly(null)}>
          Show all classes
        </button>
      )}
    </div>
  )
}
