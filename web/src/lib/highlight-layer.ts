import type { View } from './geometry'
import { drawHighlight, type PlacedRaster } from './overlay-draw'
import type { Scene } from './overlay-scene'

export interface HighlightLayer {
  scene: Scene
  clip?: [number, number] | null
  /** Scene items, or -1 */
  selected: number
  hovered: number
}

/**
 * The screen-sized canvas over the cached bitmaps: only the selected and hovered items, so a hover
 * or a selection never redraws thousands of boxes.
 */
export function drawHighlights(c: HTMLCanvasElement, width: number, height: number, dpr: number, view: View, layers: readonly HighlightLayer[], rasters: ReadonlyMap<string, PlacedRaster>) {
  const bw = Math.round(width * dpr)
  const bh = Math.round(height * dpr)
  if (c.width !== bw || c.height !== bh) {
    c.width = bw
    c.height = bh
  }
  const ctx = c.getContext('2d')
  if (!ctx) return
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)
  for (const layer of layers) {
    if (layer.selected < 0 && layer.hovered < 0) continue
    ctx.save()
    if (layer.clip) {
      ctx.beginPath()
      ctx.rect(layer.clip[0] * width, 0, (layer.clip[1] - layer.clip[0]) * width, height)
      ctx.clip()
    }
    drawHighlight(ctx, layer.scene, layer.selected, view, 3, rasters)
    if (layer.hovered !== layer.selected) drawHighlight(ctx, layer.scene, layer.hovered, view, 2, rasters)
    ctx.restore()
  }
}
