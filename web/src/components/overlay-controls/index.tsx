import { ANNOTATION_TYPE_LABELS } from '../../lib/annotation-types'
import type { ClassCount, OverlayFilters } from '../../lib/filters'
import type { AnnotationType } from '../../lib/types'
import { ClassChips } from '../class-chips'
import { ConfidenceHistogram } from '../confidence-histogram'
import styles from './style.module.css'

interface Props {
  filters: OverlayFilters
  onFilters: (update: (f: OverlayFilters) => OverlayFilters) => void
  opacity: number
  onOpacity: (opacity: number) => void
  types: ReadonlyMap<AnnotationType, number>
  classes: readonly ClassCount[]
  histogram: Uint32Array
  shown: number
  total: number
}

const toggle = <T,>(set: ReadonlySet<T>, value: T): Set<T> => {
  const next = new Set(set)
  if (!next.delete(value)) next.add(value)
  return next
}

export function OverlayControls({ filters, onFilters, opacity, onOpacity, types, classes, histogram, shown, total }: Props) {
  return (
    <div class={styles.controls}>
      <p class={styles.summary} data-testid="visible-count" aria-live="polite">
        Showing <strong>{shown.toLocaleString()}</strong> of {total.toLocaleString()}
      </p>

      <fieldset class={styles.types}>
        <legend>Types</legend>
        {[...types].map(([type, count]) => (
          <label key={type} class={styles.type}>
            <input
              type="checkbox"
              checked={!filters.hiddenTypes.has(type)}
              onChange={() => onFilters((f) => ({ ...f, hiddenTypes: toggle(f.hiddenTypes, type) }))}
              data-testid={`type-toggle-${type}`}
            />
            {ANNOTATION_TYPE_LABELS[type]} <span class="muted">{count}</span>
          </label>
        ))}
      </fieldset>

      <label class={styles.slider}>
        <span>
          Opacity <output>{Math.round(opacity * 100)}%</output>
        </span>
        <input
          type="range"
          min={10}
          max={100}
          step={5}
          value={Math.round(opacity * 100)}
          onInput={(e) => onOpacity(Number(e.currentTarget.value) / 100)}
          data-testid="opacity"
        />
      </label>

      <label class={styles.slider}>
        <span>
          Confidence ≥ <output data-testid="threshold-value">{filters.threshold.toFixed(2)}</output>
        </span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={filters.threshold}
          onInput={(e) => {
            const threshold = Number(e.currentTarget.value)
            onFilters((f) => ({ ...f, threshold }))
          }}
          data-testid="threshold"
        />
      </label>
      <ConfidenceHistogram bins={histogram} threshold={filters.threshold} />

      <div class={styles.classes}>
        <span class={styles.label}>Classes</span>
        <ClassChips
          classes={classes}
          hidden={filters.hiddenClasses}
          onToggle={(name) => onFilters((f) => ({ ...f, hiddenClasses: toggle(f.hiddenClasses, name) }))}
          onOnly={(name) =>
            onFilters((f) => ({ ...f, hiddenClasses: name === null ? new Set() : new Set(classes.map((c) => c.name).filter((n) => n !== name)) }))
          }
        />
      </div>
    </div>
  )
}
