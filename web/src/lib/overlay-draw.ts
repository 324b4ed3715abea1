import type { ColorMap } from './color-map'
import type { View } from './geometry'
import { ItemKind, keypointJoints, type BoxLayer, type PolygonLayer, type Scene } from './overlay-scene'
import { LINE_DASH, OUTCOME_STYLE } from './outcome-style'
import { textColorOn } from './palette'
import type { ReviewState } from './types'

/** A decoded mask or a fetched PNG, placed in natural image pixels. */
export interface PlacedRaster {
  source: CanvasImageSource
  x: number
  y: number
  width: number
  height: number
  /** Where it has pixels (natural, x0 y0 x1 y1), for labels and hit tests; null when it has none. */
  bounds: [number, number, number, number] | null
  /** Strength 0..1 at a natural-pixel point: mask coverage, or the heatmap's value. */
  sample(x: number, y: number): number
  /** Heatmaps whose values Loupe coloured: the map, for the legend. */
  colorMap?: ColorMap | null
}

/** How strongly each kind of overlay is drawn, 0..1. */
export interface Opacities {
  /** Boxes, polygons, keypoints */
  shapes: number
  masks: number
  heatmaps: number
}

export interface DrawOptions {
  view: View
  /** CSS pixels of the target, for culling */
  width: number
  height: number
  dpr: number
  /** Boxes, polygons and keypoints, 0..1 */
  opacity: number
  maskOpacity: number
  heatmapOpacity: number
  rasters: ReadonlyMap<string, PlacedRaster>
}

export const LABEL_MIN_WIDTH = 48
export const LABEL_MIN_HEIGHT = 18
export const MAX_LABELS = 400
/** Boxes smaller than this on screen get no fill: it would not show, and it costs as much. */
const MIN_FILL = 3
const LABEL_FONT = '600 12px system-ui, sans-serif'
const JOINT_FONT = '500 11px system-ui, sans-serif'
const LABEL_HEIGHT = 16
const FILL_ALPHA: Record<ReviewState, number> = { unreviewed: 0.1, accepted: 0.22, rejected: 0 }
const STROKE_ALPHA: Record<ReviewState, number> = { unreviewed: 1, accepted: 1, rejected: 0.6 }
const SOLID: number[] = []
const DASHED = [6, 4]

type ShapeLayer = BoxLayer | PolygonLayer

/** An evaluated layer is styled by its outcome (dotted misses carry no fill); any other by its review state. */
const fillAlphaOf = (layer: ShapeLayer) => (layer.outcome && !OUTCOME_STYLE[layer.outcome].fill ? 0 : FILL_ALPHA[layer.review])
const dashOf = (layer: ShapeLayer) => (layer.outcome ? LINE_DASH[OUTCOME_STYLE[layer.outcome].line] : layer.dashed || layer.review === 'rejected' ? DASHED : SOLID)
// A true positive is the evaluation's good news; a second pass makes it read as solid as an accepted box.
const passesOf = (layer: ShapeLayer, passes: number) => passes + (layer.review === 'accepted' || layer.outcome === 'tp' ? 1 : 0)

/**
 * Draws one scene's content: rasters, then per layer one pass of fills and one path of strokes,
 * then labels. Outlines are hairlines (one device pixel), which the rasterizer draws without
 * building stroke geometry: thicker strokes over thousands of boxes cost ten times as much.
 * The caller clears, and caches the result while the view only pans.
 */
export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, o: DrawOptions, labelWidths: Float32Array): void {
  const { scale: s, tx, ty } = o.view
  const dpr = o.dpr
  ctx.save()
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.imageSmoothingEnabled = s < 2

  for (const r of scene.rasters) {
    const placed = o.rasters.get(r.annotation.id)
    if (!placed) continue
    ctx.globalAlpha = r.kind === 'heatmap' ? o.heatmapOpacity : o.maskOpacity
    ctx.drawImage(placed.source, placed.x * s + tx, placed.y * s + ty, placed.width * s, placed.height * s)
  }

  const right = o.width
  const bottom = o.height
  // Snap outlines to the device pixel grid: crisp one-pixel lines, and the hairline fast path.
  const snap = (v: number) => (Math.round(v * dpr) + 0.5) / dpr
  const passes = Math.max(1, Math.round(dpr))
  ctx.lineWidth = 1 / dpr
  for (const layer of scene.boxes) {
    const r = layer.rects
    const fillAlpha = o.opacity * fillAlphaOf(layer)
    const path = new Path2D()
    ctx.fillStyle = layer.color
    ctx.globalAlpha = fillAlpha
    for (let i = 0; i < r.length; i += 4) {
      const x0 = r[i]! * s + tx
      const y0 = r[i + 1]! * s + ty
      const x1 = r[i + 2]! * s + tx
      const y1 = r[i + 3]! * s + ty
      if (x1 < 0 || y1 < 0 || x0 > right || y0 > bottom) continue
      if (fillAlpha > 0 && x1 - x0 >= MIN_FILL && y1 - y0 >= MIN_FILL) ctx.fillRect(x0, y0, x1 - x0, y1 - y0)
      const sx0 = snap(x0)
      const sy0 = snap(y0)
      path.rect(sx0, sy0, Math.max(0, snap(x1) - sx0 - 1 / dpr), Math.max(0, snap(y1) - sy0 - 1 / dpr))
    }
    strokeHairline(ctx, path, layer.color, o.opacity * STROKE_ALPHA[layer.review], dashOf(layer), passesOf(layer, passes), dpr)
  }

  for (const layer of scene.polygons) {
    const c = layer.coords
    const rings = layer.rings
    const path = new Path2D()
    for (let k = 0; k + 1 < rings.length; k++) {
      const start = rings[k]!
      const end = rings[k + 1]!
      path.moveTo(c[start]! * s + tx, c[start + 1]! * s + ty)
      for (let p = start + 2; p < end; p += 2) path.lineTo(c[p]! * s + tx, c[p + 1]! * s + ty)
      path.closePath()
    }
    ctx.globalAlpha = o.opacity * fillAlphaOf(layer) * 1.5
    ctx.fillStyle = layer.color
    ctx.fill(path, 'evenodd')
    strokeHairline(ctx, path, layer.color, o.opacity * STROKE_ALPHA[layer.review], dashOf(layer), passesOf(layer, passes), dpr)
  }

  ctx.setLineDash(SOLID)
  ctx.globalAlpha = o.opacity
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
  ctx.restore()
}

/**
 * Strokes a path as one-device-pixel lines, `passes` times one device pixel apart, so a thicker
 * line costs a second hairline pass instead of the stroker.
 */
function strokeHairline(ctx: CanvasRenderingContext2D, path: Path2D, color: string, alpha: number, dash: number[], passes: number, dpr: number) {
  ctx.globalAlpha = alpha
  ctx.strokeStyle = color
  ctx.setLineDash(dash)
  for (let p = 0; p < passes; p++) {
    ctx.setTransform(dpr, 0, 0, dpr, p, p)
    ctx.stroke(path)
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
}

/** Bounds of an item for its label: its own, or, for a PNG mask, the placed raster's. */
function itemBounds(scene: Scene, item: number, rasters: ReadonlyMap<string, PlacedRaster>): [number, number, number, number] | null {
  const b = scene.bounds
  const x0 = b[item * 4]!
  if (!Number.isNaN(x0)) return [x0, b[item * 4 + 1]!, b[item * 4 + 2]!, b[item * 4 + 3]!]
  if (scene.kinds[item] !== ItemKind.Raster) return null
  return rasters.get(scene.entries[item]!.annotation.id)?.bounds ?? null
}

function drawLabels(ctx: CanvasRenderingContext2D, scene: Scene, o: DrawOptions, widths: Float32Array) {
  const { scale: s, tx, ty } = o.view
  ctx.font = LABEL_FONT
  ctx.textBaseline = 'middle'
  ctx.setLineDash(SOLID)
  let drawn = 0
  for (let item = 0; item < scene.kinds.length && drawn < MAX_LABELS; item++) {
    const kind = scene.kinds[item]
    if (kind === ItemKind.None) continue
    const entry = scene.entries[item]!
    // Heatmaps cover the image; their legend names them.
    if (kind === ItemKind.Raster && entry.annotation.annotation_type === 'heatmap') continue
    const b = itemBounds(scene, item, o.rasters)
    if (!b) continue
    const w = (b[2] - b[0]) * s
    const h = (b[3] - b[1]) * s
    if (kind !== ItemKind.Keypoints && (w < LABEL_MIN_WIDTH || h < LABEL_MIN_HEIGHT)) continue
    const x = b[0] * s + tx
    const y = b[1] * s + ty
    if (x > o.width || y > o.height || x + Math.max(w, LABEL_MIN_WIDTH) < 0 || y + h < 0) continue
    const text = scene.labels[item]!
    let tw = widths[item]!
    if (!(tw > 0)) tw = widths[item] = ctx.measureText(text).width
    const ly = scene.labelsBelow ? (y + h + LABEL_HEIGHT <= o.height ? y + h : y + h - LABEL_HEIGHT) : y >= LABEL_HEIGHT ? y - LABEL_HEIGHT : y
    const lw = Math.min(tw + 8, Math.max(w, 24, kind === ItemKind.Keypoints ? tw + 8 : 0))
    ctx.globalAlpha = Math.max(0.6, o.opacity) * (entry.review === 'rejected' ? 0.7 : 1)
    ctx.fillStyle = entry.color
    ctx.fillRect(x, ly, lw, LABEL_HEIGHT)
    ctx.fillStyle = textColorFor(entry.color)
    ctx.fillText(text, x + 4, ly + LABEL_HEIGHT / 2, lw - 6)
    drawn++
  }
}

const textColors = new Map<string, string>()
function textColorFor(color: string): string {
  let c = textColors.get(color)
  if (!c) textColors.set(color, (c = textColorOn(color)))
  return c
}

/**
 * A white halo under the item's outline, so the hovered or selected one stands out on any image;
 * a keypoint instance also gets its joints' names and confidences.
 */
export function drawHighlight(ctx: CanvasRenderingContext2D, scene: Scene, item: number, view: View, width: number, rasters: ReadonlyMap<string, PlacedRaster>) {
  if (item < 0 || item >= scene.kinds.length) return
  const kind = scene.kinds[item]
  const b = itemBounds(scene, item, rasters)
  if (!b) return
  const { scale: s, tx, ty } = view
  const color = scene.entries[item]?.color ?? '#000000'
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
    ctx.rect(b[0] * s + tx - pad, b[1] * s + ty - pad, (b[2] - b[0]) * s + 2 * pad, (b[3] - b[1]) * s + 2 * pad)
  }
  ctx.lineWidth = width + 2
  ctx.strokeStyle = '#FFFFFF'
  ctx.stroke()
  ctx.lineWidth = width
  ctx.strokeStyle = color
  ctx.stroke()
  if (kind === ItemKind.Keypoints) drawJointLabels(ctx, scene, item, view)
}

function drawJointLabels(ctx: CanvasRenderingContext2D, scene: Scene, item: number, view: View) {
  const { scale: s, tx, ty } = view
  ctx.font = JOINT_FONT
  ctx.textBaseline = 'middle'
  for (const j of keypointJoints(scene.entries[item]!.annotation, scene.natural)) {
    const text = j.confidence === null ? j.name : `${j.name} ${Math.round(j.confidence * 100)}%`
    if (!text) continue
    const x = j.x * s + tx + 6
    const y = j.y * s + ty
    const w = ctx.measureText(text).width + 6
    ctx.globalAlpha = 0.75
    ctx.fillStyle = '#000000'
    ctx.fillRect(x, y - 7, w, 14)
    ctx.globalAlpha = 1
    ctx.fillStyle = '#FFFFFF'
    ctx.fillText(text, x + 3, y)
  }
}
