import { useState } from 'preact/hooks'
import type { ClassCount } from '../../lib/filters'
import { NO_CLASS } from '../../lib/filters'
import { colorOf, type ClassColors } from '../../lib/use-overlay-model'
import styles from './style.module.css'

interface Props {
  classes: readonly ClassCount[]
  colors: ClassColors
  hidden: ReadonlySet<string>
  onToggle: (name: string) => void
  /** Replaces the hidden set. */
  onHidden: (hidden: Set<string>) => void
}

/** Beyond this many classes a search field and a scrolling list keep the panel short. */
const SEARCH_FROM = 8

/** One chip per class: its colour, and how many are shown of how many there are. */
export function ClassChips({ classes, colors, hidden, onToggle, onHidden }: Props) {
  const [query, setQuery] = useState('')
  if (classes.length === 0) return null
  const q = query.trim().toLowerCase()
  const matching = q ? classes.filter((c) => c.name.toLowerCase().includes(q)) : classes
  const names = matching.map((c) => c.name)
  const allHidden = names.every((n) => hidden.has(n))
  return (
    <div class={styles.wrap}>
      <div class={styles.tools}>
        <span class={styles.label}>Classes</span>
        {classes.length > SEARCH_FROM && (
          <input
            type="search"
            placeholder={`Search ${classes.length} classes…`}
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            aria-label="Search classes"
            data-testid="class-search"
          />
        )}
        <button
          type="button"
          class={styles.bulk}
          onClick={() => {
            const next = new Set(hidden)
            for (const n of names) allHidden ? next.delete(n) : next.add(n)
            onHidden(next)
          }}
          data-testid={allHidden ? 'classes-show-all' : 'classes-hide-all'}
        >
          {allHidden ? 'Show' : 'Hide'} {q ? 'these' : 'all'}
        </button>
      </div>
      <div class={styles.chips} role="group" aria-label="Classes" data-testid="class-chips">
        {matching.map((c) => {
          const on = !hidden.has(c.name)
          return (
            <button
              key={c.name}
              type="button"
              class={styles.chip}
              aria-pressed={on}
              onClick={(e) => (e.altKey || e.shiftKey ? onHidden(new Set(classes.map((x) => x.name).filter((n) => n !== c.name))) : onToggle(c.name))}
              title={`${c.name}: ${c.visible} shown of ${c.total}. Shift+click to show only this class.`}
              data-testid="class-chip"
              data-class={c.name}
            >
              <span class={styles.swatch} style={{ background: colorOf(colors, c.name === NO_CLASS ? null : c.name) }} aria-hidden="true" />
              <span class={styles.name}>{c.name}</span>
              <span class={styles.count}>
                {on ? c.visible : 0}/{c.total}
              </span>
            </button>
          )
        })}
        {matching.length === 0 && <span class="muted">No class matches “{query}”.</span>}
      </div>
    </div>
  )
}
