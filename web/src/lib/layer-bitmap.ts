import type { Size, View } from './geometry'
import { drawScene, type DrawOptions, type Opacities, type PlacedRaster } from './overlay-draw'
import type { Scene } from './overlay-scene'
import { cacheArea, covers, type CachedArea } from './scene-cache'

/**
 * One layer's overlay as a bitmap a little larger than the screen (see `scene-cache.ts`), and
 * what it was drawn from, so a frame can tell whether moving it is enough.
 */
export interface LayerBitmap {
  area: CachedArea
  scene: Scene
  rasters: ReadonlyMap<string, PlacedRaster>
  opacity: Opacities
  dpr: number
}

export interface LayerInput {
  scene: Scene
  rasters: ReadonlyMap<string, PlacedRaster>
  opacity: Opacities
  view: View
  viewport: Size
  natural: Size
  dpr: number
}

/** Label widths are measured once per scene and reused by every bitmap drawn from it. */
const labelWidths = new WeakMap<Scene, Float32Array>()
function widthsFor(scene: Scene) {
  let w = labelWidths.get(scene)
  if (!w) labelWidths.set(scene, (w = new Float32Array(scene.labels.length)))
  return w
}

/** What a frame must do with a layer: draw it again, leave it (possibly scaled, mid-zoom), or nothing. */
export function bitmapState(b: LayerBitmap | undefined, input: LayerInput): 'redraw' | 'scaled' | 'fresh' {
  if (!b || b.scene !== input.scene || b.rasters !== input.rasters || b.opacity !== input.opacity || b.dpr !== input.dpr) return 'redraw'
  if (b.area.scale !== input.view.scale) return 'scaled'
  return covers(b.area, input.view, input.viewport, input.natural) ? 'fresh' : 'redraw'
}

// One options object for every bitmap: drawing allocates nothing of its own.
const options: DrawOptions = { view: { scale: 1, tx: 0, ty: 0 }, width: 0, height: 0, dpr: 1, opacity: 1, maskOpacity: 1, heatmapOpacity: 1, rasters: new Map() }

/** Draws the layer into `canvas`, sized to the cached area, and says what it drew. */
export function drawLayerBitmap(canvas: HTMLCanvasElement, input: LayerInput): LayerBitmap {
  const { view, dpr } = input
  const area = cacheArea(view, input.viewport, input.natural, dpr)
  const bw = Math.round(area.width * dpr)
  const bh = Math.round(area.height * dpr)
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw
    canvas.height = bh
    canvas.style.width = `${area.width}px`
    canvas.style.height = `${area.height}px`
  }
  const ctx = canvas.getContext('2d')
  if (ctx) {
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    ctx.clearRect(0, 0, bw, bh)
    options.view = { scale: view.scale, tx: view.tx - (area.ox * view.scale + view.tx), ty: view.ty - (area.oy * view.scale + view.ty) }
    options.width = area.width
    options.height = area.height
    options.dpr = dpr
    options.opacity = input.opacity.shapes
    options.maskOpacity = input.opacity.masks
    options.heatmapOpacity = input.opacity.heatmaps
    options.rasters = input.rasters
    drawScene(ctx, input.scene, options, widthsFor(input.scene))
  }
  return { area, scene: input.scene, rasters: input.rasters, opacity: input.opacity, dpr }
}
