import { ANNOTATION_TYPE_LABELS } from '../../lib/annotation-types'
import type { ClassCount, OverlayFilters } from '../../lib/filters'
import type { AnnotationType } from '../../lib/types'
import type { ClassColors } from '../../lib/use-overlay-model'
import { ClassChips } from '../class-chips'
import { ConfidenceHistogram } from '../confidence-histogram'
import type { Opacities } from '../../lib/overlay-draw'
import styles from './style.module.css'

interface Props {
  filters: OverlayFilters
  onFilters: (update: (f: OverlayFilters) => OverlayFilters) => void
  opacity: Opacities
  onOpacity: (update: (o: Opacities) => Opacities) => void
  types: ReadonlyMap<AnnotationType, number>
  classes: readonly ClassCount[]
  colors: ClassColors
  histogram: Uint32Array
}

const toggle = <T,>(set: ReadonlySet<T>, value: T): Set<T> => {
  const next = new Set(set)
  if (!next.delete(value)) next.add(value)
  return next
}

function Slider({ label, value, onValue, testid }: { label: string; value: number; onValue: (v: number) => void; testid: string }) {
  return (
    <label class={styles.slider}>
      <span>
        {label} <output>{Math.round(value * 100)}%</output>
      </span>
      <input type="range" min={0} max={100} step={5} value={Math.round(value * 100)} onInput={(e) => onValue(Number(e.currentTarget.value) / 100)} data-testid={testid} />
    </label>
  )
}

/** How many of the annotations the filters let through; it heads the overlay section. */
export function VisibleCount({ shown, total }: { shown: number; total: number }) {
  return (
    <span class={styles.summary} data-testid="visible-count" aria-live="polite">
      Showing <strong>{shown.toLocaleString()}</strong> of {total.toLocaleString()}
    </span>
  )
}

export function OverlayControls({ filters, onFilters, opacity, onOpacity, types, classes, colors, histogram }: Props) {
  const hasMasks = types.has('mask') || types.has('segmentation')
  const hasHeatmaps = types.has('heatmap')
  return (
    <div class={styles.controls}>
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
      <div class={styles.threshold}>
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
      </div>
      <div class={styles.opacities}>
        <Slider label={hasMasks || hasHeatmaps ? 'Shapes' : 'Opacity'} value={opacity.shapes} onValue={(shapes) => onOpacity((o) => ({ ...o, shapes }))} testid="opacity" />
        {hasMasks && <Slider label="Masks" value={opacity.masks} onValue={(masks) => onOpacity((o) => ({ ...o, masks }))} testid="opacity-masks" />}
        {hasHeatmaps && <Slider label="Heatmaps" value={opacity.heatmaps} onValue={(heatmaps) => onOpacity((o) => ({ ...o, heatmaps }))} testid="opacity-heatmaps" />}
      </div>
      <div class={styles.classes}>
        <ClassChips
          classes={classes}
          colors={colors}
          hidden={filters.hiddenClasses}
          onToggle={(name) => onFilters((f) => ({ ...f, hiddenClasses: toggle(f.hiddenClasses, name) }))}
          onHidden={(hiddenClasses) => onFilters((f) => ({ ...f, hiddenClasses }))}
        />
      </div>
    </div>
  )
}
