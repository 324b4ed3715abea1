/**
 * Three coordinate spaces: the annotation's (pixels of the image the model saw, which may declare
 * its own image_width/image_height), the image's natural pixels, and the screen's CSS pixels.
 * Annotations are converted to natural pixels once; the view maps natural pixels to the screen.
 */

export interface Size {
  width: number
  height: number
}

/** [x0, y0, x1, y1], top-left origin. */
export type Box = [number, number, number, number]

export interface View {
  scale: number
  tx: number
  ty: number
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Reads either box form the API accepts: x_min/y_min/x_max/y_max or left/top/right/bottom. */
export function boxFromData(data: Record<string, unknown>): Box | null {
  const x0 = num(data.x_min) ?? num(data.left)
  const y0 = num(data.y_min) ?? num(data.top)
  const x1 = num(data.x_max) ?? num(data.right)
  const y1 = num(data.y_max) ?? num(data.bottom)
  if (x0 === null || y0 === null || x1 === null || y1 === null) return null
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)]
}

/**
 * Factors that take the annotation's coordinates to the image's natural pixels: when a model ran on
 * a resized copy it says so with image_width/image_height, otherwise the coordinates are natural.
 */
export function annotationScale(data: Record<string, unknown>, natural: Size): { sx: number; sy: number } {
  const w = num(data.image_width)
  const h = num(data.image_height)
  return {
    sx: w && w > 0 && natural.width > 0 ? natural.width / w : 1,
    sy: h && h > 0 && natural.height > 0 ? natural.height / h : 1,
  }
}

export function scaleBox(box: Box, sx: number, sy: number): Box {
  return [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy]
}

/** The whole image, centred and as large as fits, with an optional margin in CSS pixels. */
export function fitView(natural: Size, viewport: Size, margin = 0): View {
  if (natural.width <= 0 || natural.height <= 0 || viewport.width <= 0 || viewport.height <= 0) return { scale: 1, tx: 0, ty: 0 }
  const availW = Math.max(1, viewport.width - 2 * margin)
  const availH = Math.max(1, viewport.height - 2 * margin)
  const scale = Math.min(availW / natural.width, availH / natural.height)
  return { scale, tx: (viewport.width - natural.width * scale) / 2, ty: (viewport.height - natural.height * scale) / 2 }
}

export const MIN_SCALE = 0.02
export const MAX_SCALE = 64

/** Zoom by `factor` keeping the image point under (px, py) where it is on screen. */
export function zoomAt(view: View, factor: number, px: number, py: number): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor))
  const k = scale / view.scale
  return { scale, tx: px - (px - view.tx) * k, ty: py - (py - view.ty) * k }
}

export function panBy(view: View, dx: number, dy: number): View {
  return { scale: view.scale, tx: view.tx + dx, ty: view.ty + dy }
}

/**
 * The view that brings a box into sight: unchanged when any of it is already on screen, otherwise
 * panned (not zoomed) so that the box sits in the middle. Used when stepping through annotations.
 */
export function revealBox(view: View, box: Box, viewport: Size, margin = 24): View {
  const x0 = box[0] * view.scale + view.tx
  const y0 = box[1] * view.scale + view.ty
  const x1 = box[2] * view.scale + view.tx
  const y1 = box[3] * view.scale + view.ty
  const visible = x1 > margin && y1 > margin && x0 < viewport.width - margin && y0 < viewport.height - margin
  if (visible || viewport.width <= 0 || viewport.height <= 0) return view
  return panBy(view, viewport.width / 2 - (x0 + x1) / 2, viewport.height / 2 - (y0 + y1) / 2)
}

export function toScreen(view: View, x: number, y: number): [number, number] {
  return [x * view.scale + view.tx, y * view.scale + view.ty]
}

export function toImage(view: View, sx: number, sy: number): [number, number] {
  return [(sx - view.tx) / view.scale, (sy - view.ty) / view.scale]
}

/** Ray casting; `coords` is flat [x0, y0, x1, y1, ...]. */
export function pointInPolygon(x: number, y: number, coords: ArrayLike<number>, start = 0, end = coords.length): boolean {
  let inside = false
  for (let i = start, j = end - 2; i < end; j = i, i += 2) {
    const xi = coords[i]!
    const yi = coords[i + 1]!
    const xj = coords[j]!
    const yj = coords[j + 1]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Polygon points come as [x, y] pairs or {x, y} objects; anything else is skipped. */
export function polygonPoints(points: unknown): number[] {
  const out: number[] = []
  if (!Array.isArray(points)) return out
  for (const p of points) {
    if (Array.isArray(p)) {
      const x = num(p[0])
      const y = num(p[1])
      if (x !== null && y !== null) out.push(x, y)
    } else if (p && typeof p === 'object') {
      const x = num((p as { x?: unknown }).x)
      const y = num((p as { y?: unknown }).y)
      if (x !== null && y !== null) out.push(x, y)
    }
  }
  return out
}
