import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { fitView, zoomAt, type Size } from '../../lib/geometry'
import type { PlacedRaster } from '../../lib/overlay-draw'
import type { ViewStore } from '../../lib/view-store'
import { Stage, type Hit, type Opacities, type StageLayer } from '../stage'
import styles from './style.module.css'

export interface Pane {
  caption?: string
  layers: readonly StageLayer[]
  divider?: number | null
  /** Over the image in screen space: legends, image-level labels. */
  decor?: ComponentChildren
}

export interface ViewerProps {
  imageUrl: string | null
  natural: Size
  onNatural: (size: Size) => void
  onImageError?: () => void
  store: ViewStore
  panes: readonly Pane[]
  rasters: ReadonlyMap<string, PlacedRaster>
  opacity: Opacities
  overlaysHidden?: boolean
  /** With `pane`, only that pane highlights it; without, every pane that has the layer does. */
  selected?: (Hit & { pane?: number }) | null
  onSelect?: (pane: number, hit: Hit | null) => void
  label: string
  /** Extra controls at the end of the toolbar. */
  tools?: ComponentChildren
  footer?: ComponentChildren
}

const FIT_MARGIN = 12

/**
 * The image area: one or more synchronised panes and the zoom toolbar. The view fits the image on
 * first sight and on resize, until the person pans or zooms; "Fit" returns to that.
 */
export function Viewer(props: ViewerProps) {
  const { store, natural } = props
  const viewport = useRef<Size>({ width: 0, height: 0 })
  const fitted = useRef(true)
  const programmatic = useRef(false)

  const fit = () => {
    if (viewport.current.width === 0 || natural.width === 0) return
    programmatic.current = true
    store.set(fitView(natural, viewport.current, FIT_MARGIN))
    programmatic.current = false
    fitted.current = true
  }

  useEffect(
    () =>
      store.subscribe(() => {
        if (!programmatic.current) fitted.current = false
      }),
    [store],
  )
  useEffect(() => {
    fitted.current = true
    fit()
  }, [natural.width, natural.height, props.panes.length])

  const onResize = (size: Size) => {
    viewport.current = size
    store.viewport = size
    if (fitted.current) fit()
  }

  const zoom = (factor: number) => {
    const { width, height } = viewport.current
    store.set(zoomAt(store.get(), factor, width / 2, height / 2))
  }

  return (
    <section class={styles.viewer} aria-label={props.label}>
      <div class={styles.toolbar} role="toolbar" aria-label="View">
        <button type="button" onClick={() => zoom(0.8)} aria-label="Zoom out" data-testid="zoom-out">
          −
        </button>
        <ZoomLevel store={store} />
        <button type="button" onClick={() => zoom(1.25)} aria-label="Zoom in" data-testid="zoom-in">
          +
        </button>
        <button type="button" onClick={fit} data-testid="fit" title="Fit to screen (0)">
          Fit
        </button>
        <span class={styles.spacer} />
        {props.tools}
      </div>
      <div class={styles.panes} data-panes={props.panes.length}>
        {props.panes.map((pane, i) => (
          <Stage
            key={i}
            imageUrl={props.imageUrl}
            natural={natural}
            onNatural={props.onNatural}
            onImageError={props.onImageError}
            onResize={i === 0 ? onResize : undefined}
            onFit={fit}
            store={store}
            layers={pane.layers}
            rasters={props.rasters}
            opacity={props.opacity}
            overlaysHidden={props.overlaysHidden}
            selected={props.selected && (props.selected.pane ?? i) === i ? props.selected : null}
            onSelect={props.onSelect && ((hit) => props.onSelect!(i, hit))}
            caption={pane.caption}
            divider={pane.divider}
            label={pane.caption ? `${props.label}: ${pane.caption}` : props.label}
          >
            {pane.decor}
          </Stage>
        ))}
      </div>
      {props.footer}
    </section>
  )
}

function ZoomLevel({ store }: { store: ViewStore }) {
  const [scale, setScale] = useState(store.get().scale)
  useEffect(() => {
    setScale(store.get().scale)
    return store.subscribe((v) => setScale(v.scale))
  }, [store])
  return (
    <output class={styles.zoom} data-testid="zoom-level" aria-live="off">
      {Math.round(scale * 100)}%
    </output>
  )
}
