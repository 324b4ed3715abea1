import { pointInPolygon } from './geometry'
import type { PlacedRaster } from './overlay-draw'
import { ItemKind, type Scene } from './overlay-scene'

/** A heatmap answers a click only where it is this strong; below, the photo is what shows. */
export const HEATMAP_HIT = 0.15

/**
 * The item under an image point, or -1. Among overlapping shapes the smallest wins, which is the
 * one a person pointing at nested boxes means. `tolerance` is in natural pixels, for keypoints and
 * thin boxes. Masks are hit where they have pixels; heatmaps where they are strong enough, and
 * after anything else under the point, since they cover the image.
 */
export function hitTest(scene: Scene, x: number, y: number, tolerance: number, rasters?: ReadonlyMap<string, PlacedRaster>): number {
  const b = scene.bounds
  let best = -1
  let bestArea = Infinity
  for (let i = 0; i < scene.kinds.length; i++) {
    const kind = scene.kinds[i]
    if (kind === ItemKind.None) continue
    if (kind === ItemKind.Raster) continue
    const x0 = b[i * 4]!
    if (Number.isNaN(x0)) continue
    const y0 = b[i * 4 + 1]!
    const x1 = b[i * 4 + 2]!
    const y1 = b[i * 4 + 3]!
    const pad = kind === ItemKind.Keypoints ? tolerance * 2 : tolerance
    if (x < x0 - pad || x > x1 + pad || y < y0 - pad || y > y1 + pad) continue
    if (kind === ItemKind.Polygon) {
      const ref = scene.polygonRefs.get(i)
      const layer = ref && scene.polygons[ref[0]]
      if (ref && layer && !pointInPolygon(x, y, layer.coords, layer.rings[ref[1]]!, layer.rings[ref[1] + 1]!)) continue
    }
    const area = Math.max(1, (x1 - x0) * (y1 - y0))
    if (area < bestArea) {
      best = i
      bestArea = area
    }
  }
  if (!rasters) return best
  const imageArea = scene.natural.width * scene.natural.height
  for (const r of scene.rasters) {
    const placed = rasters.get(r.annotation.id)
    const bounds = placed?.bounds
    if (!placed || !bounds) continue
    if (x < bounds[0] || x >= bounds[2] || y < bounds[1] || y >= bounds[3]) continue
    const heat = r.kind === 'heatmap'
    const strength = placed.sample(x, y)
    if (heat ? strength < HEATMAP_HIT : strength <= 0) continue
    // A heatmap loses to any shape; masks compete by the area they cover, like boxes.
    const area = heat ? imageArea * 4 + 1 : Math.max(1, (bounds[2] - bounds[0]) * (bounds[3] - bounds[1]))
    if (area < bestArea) {
      best = r.item
      bestArea = area
    }
  }
  return best
}
