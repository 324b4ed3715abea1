import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { panBy, toImage, zoomAt, type Size } from '../../lib/geometry'
import { hitTest } from '../../lib/hit-test'
import { bitmapState, drawLayerBitmap, type LayerBitmap } from '../../lib/layer-bitmap'
import { drawHighlights } from '../../lib/highlight-layer'
import type { Opacities, PlacedRaster } from '../../lib/overlay-draw'
import type { Scene } from '../../lib/overlay-scene'
import { placement } from '../../lib/scene-cache'
import { useElementSize } from '../../lib/use-element-size'
import type { ViewStore } from '../../lib/view-store'
import { OverlayTooltip, type TooltipRefs } from '../overlay-tooltip'
import styles from './style.module.css'

export interface StageLayer {
  scene: Scene
  /** Draw only between these fractions of the width (the swipe comparison). */
  clip?: [number, number] | null
}

export interface Hit {
  layer: number
  item: number
}

export type { Opacities }

export interface StageProps {
  imageUrl: string | null
  natural: Size
  onNatural?: (size: Size) => void
  onImageError?: () => void
  onResize?: (size: Size) => void
  onFit: () => void
  store: ViewStore
  layers: readonly StageLayer[]
  rasters: ReadonlyMap<string, PlacedRaster>
  opacity: Opacities
  /** Overlays switched off for a look at the bare image; their bitmaps stay cached. */
  overlaysHidden?: boolean
  selected?: Hit | null
  onSelect?: (hit: Hit | null) => void
  caption?: string
  /** Fraction of the width where the swipe divider sits. */
  divider?: number | null
  label: string
  /** Drawn over the image in screen space: legends, image-level labels. */
  children?: ComponentChildren
}

const CLICK_SLOP = 4
const WHEEL_ZOOM = 0.0015
/** A zoom is over once the view has kept its scale this long; then the bitmap is drawn sharp. */
const ZOOM_SETTLE_MS = 140

/**
 * One pane: the image and each layer's cached overlay bitmap, both moved by CSS transforms, and a
 * screen-sized canvas on top for the hovered and selected item. Pan and zoom go through the shared
 * view store, so side-by-side panes move together.
 */
export function Stage(props: StageProps) {
  const wrap = useRef<HTMLDivElement>(null)
  const img = useRef<HTMLImageElement>(null)
  const canvases = useRef<(HTMLCanvasElement | null)[]>([])
  const bitmaps = useRef<(LayerBitmap | undefined)[]>([])
  const top = useRef<HTMLCanvasElement>(null)
  const tip: TooltipRefs = { box: useRef<HTMLDivElement>(null), value: useRef<HTMLSpanElement>(null), text: useRef('') }
  const size = useElementSize(wrap)
  const latest = useRef(props)
  latest.current = props
  const sizeRef = useRef(size)
  sizeRef.current = size
  const [hover, setHover] = useState<Hit | null>(null)
  const hoverRef = useRef(hover)
  hoverRef.current = hover
  const frame = useRef(0)
  const settle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const sharpen = useRef(false)

  const draw = () => {
    frame.current = 0
    const p = latest.current
    const { width, height } = sizeRef.current
    const view = p.store.get()
    if (img.current) {
      img.current.style.transform = `translate(${view.tx}px, ${view.ty}px) scale(${view.scale})`
      // Past 3× a reviewer wants to see the real pixels, not a blur of them.
      img.current.style.imageRendering = view.scale > 3 ? 'pixelated' : 'auto'
    }
    if (width === 0 || height === 0) return
    const dpr = window.devicePixelRatio || 1
    const forceSharp = sharpen.current
    sharpen.current = false
    let zooming = false
    for (let i = 0; i < p.layers.length; i++) {
      const c = canvases.current[i]
      if (!c) continue
      const input = { scene: p.layers[i]!.scene, rasters: p.rasters, opacity: p.opacity, view, viewport: sizeRef.current, natural: p.natural, dpr }
      const state = bitmapState(bitmaps.current[i], input)
      if (state === 'redraw' || (state === 'scaled' && forceSharp)) bitmaps.current[i] = drawLayerBitmap(c, input)
      else zooming ||= state === 'scaled'
      c.style.transform = placement(bitmaps.current[i]!.area, view)
    }
    if (zooming) {
      clearTimeout(settle.current)
      settle.current = setTimeout(() => {
        sharpen.current = true
        schedule()
      }, ZOOM_SETTLE_MS)
    }
    drawTop(width, height, dpr)
  }

  const drawTop = (width: number, height: number, dpr: number) => {
    const p = latest.current
    const h = hoverRef.current
    const layers = p.overlaysHidden
      ? []
      : p.layers.map((l, i) => ({ scene: l.scene, clip: l.clip, selected: p.selected?.layer === i ? p.selected.item : -1, hovered: h?.layer === i ? h.item : -1 }))
    if (top.current) drawHighlights(top.current, width, height, dpr, p.store.get(), layers, p.rasters)
  }

  const schedule = () => {
    if (!frame.current) frame.current = requestAnimationFrame(draw)
  }

  useEffect(() => props.store.subscribe(schedule), [props.store])
  useEffect(
    () => () => {
      cancelAnimationFrame(frame.current)
      clearTimeout(settle.current)
    },
    [],
  )
  // Any new props (scene, opacity, rasters, selection) mean a new frame; the caches decide what it costs.
  useEffect(schedule)
  useEffect(() => {
    if (size.width > 0) props.onResize?.(size)
    bitmaps.current = []
  }, [size.width, size.height])

  const localPoint = (e: { clientX: number; clientY: number }): [number, number] => {
    const r = wrap.current!.getBoundingClientRect()
    return [e.clientX - r.left, e.clientY - r.top]
  }

  const hitAt = (sx: number, sy: number): Hit | null => {
    const p = latest.current
    if (p.overlaysHidden) return null
    const view = p.store.get()
    const [x, y] = toImage(view, sx, sy)
    const tolerance = 4 / view.scale
    const width = sizeRef.current.width
    for (let i = p.layers.length - 1; i >= 0; i--) {
      const layer = p.layers[i]!
      if (layer.clip && (sx < layer.clip[0] * width || sx >= layer.clip[1] * width)) continue
      const item = hitTest(layer.scene, x, y, tolerance, p.rasters)
      if (item !== -1) return { layer: i, item }
    }
    return null
  }

  // Wheel listeners must be non-passive to keep the page from scrolling while zooming.
  useEffect(() => {
    const el = wrap.current
    if (!el) return
    const onWheel = (e: WheelEvent) => {
      e.preventDefault()
      const [px, py] = localPoint(e)
      const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY
      const store = latest.current.store
      store.set(zoomAt(store.get(), Math.exp(-delta * WHEEL_ZOOM), px, py))
    }
    el.addEventListener('wheel', onWheel, { passive: false })
    return () => el.removeEventListener('wheel', onWheel)
  }, [])

  const drag = useRef<{ id: number; x: number; y: number; moved: boolean } | null>(null)

  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return
    wrap.current?.setPointerCapture(e.pointerId)
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false }
  }
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current
    if (d && d.id === e.pointerId) {
      const dx = e.clientX - d.x
      const dy = e.clientY - d.y
      if (!d.moved && Math.hypot(dx, dy) < CLICK_SLOP) return
      d.moved = true
      d.x = e.clientX
      d.y = e.clientY
      const store = latest.current.store
      store.set(panBy(store.get(), dx, dy))
      return
    }
    const [sx, sy] = localPoint(e)
    const hit = hitAt(sx, sy)
    const prev = hoverRef.current
    if (hit?.layer !== prev?.layer || hit?.item !== prev?.item) setHover(hit)
    if (tip.box.current) tip.box.current.style.transform = `translate(${sx + 14}px, ${sy + 14}px)`
    // A heatmap's value under the pointer changes with every move: written straight to the DOM.
    const p = latest.current
    const a = hit && p.layers[hit.layer]?.scene.entries[hit.item]?.annotation
    const placed = a && a.annotation_type === 'heatmap' ? p.rasters.get(a.id) : undefined
    const [x, y] = toImage(p.store.get(), sx, sy)
    tip.text.current = placed ? `value ${placed.sample(x, y).toFixed(2)}` : ''
    if (tip.value.current) tip.value.current.textContent = tip.text.current
  }
  const onPointerUp = (e: PointerEvent) => {
    const d = drag.current
    drag.current = null
    if (!d || d.id !== e.pointerId || d.moved || latest.current.layers.length === 0) return
    const [sx, sy] = localPoint(e)
    latest.current.onSelect?.(hitAt(sx, sy))
  }

  const onKeyDown = (e: KeyboardEvent) => {
    const store = props.store
    const { width, height } = sizeRef.current
    const step = 40
    if (e.key === '+' || e.key === '=') store.set(zoomAt(store.get(), 1.25, width / 2, height / 2))
    else if (e.key === '-' || e.key === '_') store.set(zoomAt(store.get(), 0.8, width / 2, height / 2))
    else if (e.key === '0') props.onFit()
    else if (e.shiftKey && e.key === 'ArrowLeft') store.set(panBy(store.get(), step, 0))
    else if (e.shiftKey && e.key === 'ArrowRight') store.set(panBy(store.get(), -step, 0))
    else if (e.shiftKey && e.key === 'ArrowUp') store.set(panBy(store.get(), 0, step))
    else if (e.shiftKey && e.key === 'ArrowDown') store.set(panBy(store.get(), 0, -step))
    else if (e.key === 'Escape') props.onSelect?.(null)
    else return
    e.preventDefault()
  }

  const hovered = hover ? props.layers[hover.layer]?.scene.entries[hover.item]?.annotation : undefined
  const hasOverlay = props.layers.length > 0
  canvases.current.length = props.layers.length

  return (
    <figure class={styles.pane}>
      {props.caption && <figcaption class={styles.caption}>{props.caption}</figcaption>}
      <div
        ref={wrap}
        class={styles.stage}
        data-hovering={hovered ? '' : undefined}
        tabIndex={0}
        role="application"
        aria-roledescription="image viewer"
        aria-label={`${props.label}. Drag or Shift+arrows to pan, wheel or + and − to zoom, 0 to fit, click an overlay for details.`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (drag.current = null)}
        onPointerLeave={() => setHover(null)}
        onDblClick={(e) => {
          const [px, py] = localPoint(e)
          props.store.set(zoomAt(props.store.get(), 2, px, py))
        }}
        onKeyDown={onKeyDown}
      >
        {props.imageUrl && (
          <img
            ref={img}
            class={styles.image}
            src={props.imageUrl}
            alt=""
            draggable={false}
            width={props.natural.width || undefined}
            height={props.natural.height || undefined}
            onLoad={(e) => {
              const el = e.currentTarget
              props.onNatural?.({ width: el.naturalWidth, height: el.naturalHeight })
              schedule()
            }}
            onError={props.onImageError}
          />
        )}
        <div class={styles.overlays} hidden={props.overlaysHidden} aria-hidden="true">
          {props.layers.map((layer, i) => (
            <div
              key={i}
              class={styles.layer}
              style={layer.clip ? { clipPath: `inset(0 ${(1 - layer.clip[1]) * 100}% 0 ${layer.clip[0] * 100}%)` } : undefined}
            >
              <canvas ref={(el) => void (canvases.current[i] = el)} class={styles.canvas} data-testid="overlay-canvas" />
            </div>
          ))}
          {hasOverlay && <canvas ref={top} class={styles.top} data-testid="overlay-highlight" />}
        </div>
        {props.divider !== null && props.divider !== undefined && (
          <div class={styles.divider} style={{ left: `${props.divider * 100}%` }} aria-hidden="true" />
        )}
        {!props.overlaysHidden && props.children}
        <OverlayTooltip annotation={hovered} refs={tip} />
      </div>
    </figure>
  )
}
