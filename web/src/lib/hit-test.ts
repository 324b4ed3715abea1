import { pointInPolygon } from './geometry'
import { ItemKind, type Scene } from './overlay-scene'

/**
 * The item under an image point, or -1. Among overlapping shapes the smallest wins, which is the
 * one a person pointing at nested boxes means. `tolerance` is in natural pixels, for keypoints and
 * thin boxes. Full-image rasters (heatmaps, PNG masks) have no bounds and are never hit.
 */
export function hitTest(scene: Scene, x: number, y: number, tolerance: number): number {
  const b = scene.bounds
  let best = -1
  let bestArea = Infinity
  for (let i = 0; i < scene.kinds.length; i++) {
    const kind = scene.kinds[i]
    if (kind === ItemKind.None) continue
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
  return best
}
