import type { View } from './geometry'
import { ItemKind, type Scene } from './overlay-scene'
import { textColorOn } from './palette'

/** A decoded mask or a fetched PNG, placed in natural image pixels. */
export interface PlacedRaster {
  source: CanvasImageSource
  x: number
  y: number
  width: number
  height: number
}

export interface DrawOptions {
  view: View
  /** CSS pixels */
  width: number
  height: number
  dpr: number
  /** 0.1 .. 1 */
  opacity: number
  rasters: ReadonlyMap<string, PlacedRaster>
  hover: number
  selected: number
  /** Only draw within [x0, x1) of the canvas, for the swipe comparison. */
  clip?: [number, number] | null
  /** Cleared by the first scene drawn into a frame only. */
  clear?: boolean
}

export const LABEL_MIN_WIDTH = 48
export const LABEL_MIN_HEIGHT = 18
export const MAX_LABELS = 400
const LABEL_FONT = '600 12px system-ui, sans-serif'
const LABEL_HEIGHT = 16
const FILL_ALPHA = 0.14
const SOLID: number[] = []
const DASHED = [6, 4]

/**
 * Draws one scene. Per frame it allocates nothing: every layer is one path in one colour, boxes off
 * screen are skipped, and labels appear only on boxes big enough on screen to carry one.
 */
export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, o: DrawOptions, labelWidths: Float32Array): void {
  const { scale: s, tx, ty } = o.view
  ctx.setTransform(o.dpr, 0, 0, o.dpr, 0, 0)
  if (o.clear !== false) ctx.clearRect(0, 0, o.width, o.height)
  ctx.save()
  if (o.clip) {
    ctx.beginPath()
    ctx.rect(o.clip[0], 0, o.clip[1] - o.clip[0], o.height)
    ctx.clip()
  }
  ctx.globalAlpha = o.opacity
  ctx.imageSmoothingEnabled = s < 2

  for (const r of scene.rasters) {
    const placed = o.rasters.get(r.annotation.id)
    if (placed) ctx.drawImage(placed.source, placed.x * s + tx, placed.y * s + ty, placed.width * s, placed.height * s)
  }

  const right = o.width
  const bottom = o.height
  ctx.lineWidth = 1.5
  ctx.lineJoin = 'miter'
  for (const layer of scene.boxes) {
    const r = layer.rects
    ctx.beginPath()
    for (let i = 0; i < r.length; i += 4) {
      const x0 = r[i]! * s + tx
      const y0 = r[i + 1]! * s + ty
      const x1 = r[i + 2]! * s + tx
      const y1 = r[i + 3]! * s + ty
      if (x1 < 0 || y1 < 0 || x0 > right || y0 > bottom) continue
      ctx.rect(x0, y0, x1 - x0, y1 - y0)
    }
    ctx.globalAlpha = o.opacity * FILL_ALPHA
    ctx.fillStyle = layer.color
    ctx.fill()
    ctx.globalAlpha = o.opacity
    ctx.strokeStyle = layer.color
    ctx.setLineDash(layer.dashed ? DASHED : SOLID)
    ctx.stroke()
  }

  for (const layer of scene.polygons) {
    const c = layer.coords
    const rings = layer.rings
    ctx.beginPath()
    for (let k = 0; k + 1 < rings.length; k++) {
      const start = rings[k]!
      const end = rings[k + 1]!
      ctx.moveTo(c[start]! * s + tx, c[start + 1]! * s + ty)
      for (let p = start + 2; p < end; p += 2) ctx.lineTo(c[p]! * s + tx, c[p + 1]! * s + ty)
      ctx.closePath()
    }
    ctx.globalAlpha = o.opacity * FILL_ALPHA * 1.5
    ctx.fillStyle = layer.color
    ctx.fill('evenodd')
    ctx.globalAlpha = o.opacity
    ctx.strokeStyle = layer.color
    ctx.setLineDash(layer.dashed ? DASHED : SOLID)
    ctx.stroke()
  }

  ctx.setLineDash(SOLID)
  for (const layer of scene.keypoints) {
    const seg = layer.segments
    ctx.beginPath()
    for (let i = 0; i < seg.length; i += 4) {
      ctx.moveTo(seg[i]! * s + tx, seg[i + 1]! * s + ty)
      ctx.lineTo(seg[i + 2]! * s + tx, seg[i + 3]! * s + ty)
    }
    ctx.lineWidth = 2
    ctx.strokeStyle = layer.color
    ctx.stroke()
    const pts = layer.points
    ctx.beginPath()
    for (let i = 0; i < pts.length; i += 2) {
      const x = pts[i]! * s + tx
      const y = pts[i + 1]! * s + ty
      ctx.moveTo(x + 3.5, y)
      ctx.arc(x, y, 3.5, 0, Math.PI * 2)
    }
    ctx.fillStyle = layer.color
    ctx.fill()
    ctx.lineWidth = 1
    ctx.strokeStyle = '#000000'
    ctx.stroke()
  }

  drawLabels(ctx, scene, o, labelWidths)
  highlight(ctx, scene, o.selected, o.view, 3)
  if (o.hover !== o.selected) highlight(ctx, scene, o.hover, o.view, 2)
  ctx.restore()
}

function drawLabels(ctx: CanvasRenderingContext2D, scene: Scene, o: DrawOptions, widths: Float32Array) {
  const { scale: s, tx, ty } = o.view
  ctx.font = LABEL_FONT
  ctx.textBaseline = 'middle'
  ctx.globalAlpha = Math.max(0.6, o.opacity)
  let drawn = 0
  for (const layer of scene.boxes) {
    const r = layer.rects
    for (let i = 0, b = 0; i < r.length && drawn < MAX_LABELS; i += 4, b++) {
      const w = (r[i + 2]! - r[i]!) * s
      const h = (r[i + 3]! - r[i + 1]!) * s
      if (w < LABEL_MIN_WIDTH || h < LABEL_MIN_HEIGHT) continue
      const x = r[i]! * s + tx
      const y = r[i + 1]! * s + ty
      if (x > o.width || y > o.height || x + w < 0 || y + h < 0) continue
      const item = layer.items[b]!
      const text = scene.labels[item]!
      let tw = widths[item]!
      if (!(tw > 0)) tw = widths[item] = ctx.measureText(text).width
      const ly = y >= LABEL_HEIGHT ? y - LABEL_HEIGHT : y
      const lw = Math.min(tw + 8, Math.max(w, 24))
      ctx.fillStyle = layer.color
      ctx.fillRect(x - 0.75, ly, lw, LABEL_HEIGHT)
      ctx.fillStyle = textColorFor(layer.color)
      ctx.fillText(text, x + 3.25, ly + LABEL_HEIGHT / 2, lw - 6)
      drawn++
    }
  }
}

const textColors = new Map<string, string>()
function textColorFor(color: string): string {
  let c = textColors.get(color)
  if (!c) textColors.set(color, (c = textColorOn(color)))
  return c
}

/** A white halo under the item's outline, so the hovered or selected one stands out on any image. */
function highlight(ctx: CanvasRenderingContext2D, scene: Scene, item: number, view: View, width: number) {
  if (item < 0 || item >= scene.kinds.length) return
  const kind = scene.kinds[item]
  const b = scene.bounds
  const x0 = b[item * 4]!
  if (Number.isNaN(x0)) return
  const { scale: s, tx, ty } = view
  ctx.globalAlpha = 1
  ctx.setLineDash(SOLID)
  ctx.beginPath()
  const ref = scene.polygonRefs.get(item)
  if (kind === ItemKind.Polygon && ref) {
    const layer = scene.polygons[ref[0]]!
    const start = layer.rings[ref[1]]!
    const end = layer.rings[ref[1] + 1]!
    const c = layer.coords
    ctx.moveTo(c[start]! * s + tx, c[start + 1]! * s + ty)
    for (let p = start + 2; p < end; p += 2) ctx.lineTo(c[p]! * s + tx, c[p + 1]! * s + ty)
    ctx.closePath()
  } else {
    const pad = kind === ItemKind.Keypoints ? 6 : 0
    ctx.rect(x0 * s + tx - pad, b[item * 4 + 1]! * s + ty - pad, (b[item * 4 + 2]! - x0) * s + 2 * pad, (b[item * 4 + 3]! - b[item * 4 + 1]!) * s + 2 * pad)
  }
  ctx.lineWidth = width + 2
  ctx.strokeStyle = '#FFFFFF'
  ctx.stroke()
  ctx.lineWidth = width
  ctx.strokeStyle = scene.entries[item]?.color ?? '#000000'
  ctx.stroke()
}
