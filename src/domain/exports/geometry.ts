/** Geometry shared by the exporters: the guide's two box forms and polygons. RLE is in src/schemas/rle.ts. */

export interface Box {
  x_min: number
  y_min: number
  x_max: number
  y_max: number
}

const XYXY = ['x_min', 'y_min', 'x_max', 'y_max'] as const
const LTRB = ['left', 'top', 'right', 'bottom'] as const

/** A bounding box's corners from either coordinate form, and the rest of its `data`. */
export function boxOf(data: Record<string, unknown>): { box: Box; rest: Record<string, unknown> } | null {
  const keys = XYXY.every((k) => typeof data[k] === 'number') ? XYXY : LTRB.every((k) => typeof data[k] === 'number') ? LTRB : null
  if (!keys) return null
  const [x_min, y_min, x_max, y_max] = keys.map((k) => data[k] as number) as [number, number, number, number]
  const rest = { ...data }
  for (const k of keys) delete rest[k]
  return { box: { x_min, y_min, x_max, y_max }, rest }
}

/** COCO's `[x, y, width, height]`. */
export const xywh = (b: Box): [number, number, number, number] => [b.x_min, b.y_min, b.x_max - b.x_min, b.y_max - b.y_min]

/** Polygon points, given as `[x, y]` pairs or `{x, y}` objects, as COCO's flat `[x1, y1, x2, y2, …]`. */
export function flatPoints(points: unknown): number[] {
  if (!Array.isArray(points)) return []
  return points.flatMap((p) => (Array.isArray(p) ? [Number(p[0]), Number(p[1])] : [Number((p as { x: number }).x), Number((p as { y: number }).y)]))
}

export function extentOf(flat: readonly number[]): Box | null {
  if (flat.length < 2) return null
  const box = { x_min: Infinity, y_min: Infinity, x_max: -Infinity, y_max: -Infinity }
  for (let i = 0; i + 1 < flat.length; i += 2) {
    box.x_min = Math.min(box.x_min, flat[i]!)
    box.x_max = Math.max(box.x_max, flat[i]!)
    box.y_min = Math.min(box.y_min, flat[i + 1]!)
    box.y_max = Math.max(box.y_max, flat[i + 1]!)
  }
  return box
}

/** The shoelace formula: a simple polygon's area from its flat coordinates. */
export function polygonArea(flat: readonly number[]): number {
  let twice = 0
  const n = flat.length >> 1
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n
    twice += flat[2 * i]! * flat[2 * j + 1]! - flat[2 * j]! * flat[2 * i + 1]!
  }
  return Math.abs(twice) / 2
}
