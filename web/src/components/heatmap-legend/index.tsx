import { colorMapGradient, type ColorMap } from '../../lib/color-map'
import styles from './style.module.css'

export interface LegendEntry {
  id: string
  label: string
  /** Null when the PNG brought its own colours. */
  map: ColorMap | null
  declared: string | null
}

/** One bar per heatmap on screen: the colour map, 0 to 1, and its name as the pipeline declared it. */
export function HeatmapLegend({ entries }: { entries: readonly LegendEntry[] }) {
  if (entries.length === 0) return null
  return (
    <div class={styles.legend} data-testid="heatmap-legend" onPointerDown={(e) => e.stopPropagation()}>
      {entries.slice(0, 4).map((e) => (
        <div key={e.id} class={styles.entry}>
          <div class={styles.title}>
            <span>{e.label}</span>
            <span class="muted" data-testid="heatmap-legend-map">
              {e.map ? e.map.name : 'colours from the PNG'}
              {e.map && !e.map.known && e.declared ? ` (unknown “${e.declared}”)` : ''}
            </span>
          </div>
          {e.map && (
            <>
              <div class={styles.bar} style={{ background: colorMapGradient(e.map) }} aria-hidden="true" />
              <div class={styles.scale} aria-hidden="true">
                <span>0</span>
                <span>0.5</span>
                <span>1</span>
              </div>
            </>
          )}
        </div>
      ))}
    </div>
  )
}
