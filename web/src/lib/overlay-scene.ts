import { annotationScale, boxFromData, polygonPoints, type Size } from './geometry'
import { OUTCOME_STYLE, type Outcome } from './outcome-style'
import { rleBounds, type Rle } from './rle'
import type { Annotation, ReviewState } from './types'

/**
 * A scene is everything the overlay canvas needs, in natural image pixels, grouped so that a frame
 * is a handful of paths: one per colour and style. It is rebuilt when annotations or filters change,
 * never per frame, so panning and zooming allocate nothing.
 */

export const ItemKind = { None: 0, Box: 1, Polygon: 2, Keypoints: 3, Raster: 4 } as const

export interface SceneEntry {
  annotation: Annotation
  color: string
  dashed?: boolean
  /** How the reviewer's decision shows; left out where decisions are not the point (comparison). */
  review?: ReviewState
  /** What an evaluation made of it; its line and fill then follow the outcome (lib/outcome-style.ts). */
  outcome?: Outcome
}

/** Everything that decides how a layer is stroked and filled. */
interface LayerStyle {
  color: string
  dashed: boolean
  review: ReviewState
  outcome: Outcome | null
}

export interface BoxLayer extends LayerStyle {
  /** x0, y0, x1, y1 per box */
  rects: Float32Array
  /** Scene item index per box, for labels and highlight. */
  items: Uint32Array
}

export interface PolygonLayer extends LayerStyle {
  coords: Float32Array
  /** Offsets into coords where each ring starts, plus a final end offset. */
  rings: Uint32Array
}

export interface KeypointLayer {
  color: string
  /** x, y per visible keypoint */
  points: Float32Array
  /** x0, y0, x1, y1 per skeleton edge */
  segments: Float32Array
}

export interface RasterEntry {
  annotation: Annotation
  color: string
  /** 'rle' is decoded here in the browser; the others come from a PNG artifact. */
  source: 'rle' | 'png'
  /** Heatmaps carry values and a colour map; masks and segmentations are tinted in the class colour. */
  kind: 'mask' | 'heatmap'
  item: number
}

export interface Scene {
  entries: readonly SceneEntry[]
  natural: Size
  boxes: BoxLayer[]
  polygons: PolygonLayer[]
  keypoints: KeypointLayer[]
  rasters: RasterEntry[]
  /** Per item: bounds in natural pixels (x0, y0, x1, y1), or NaN when the item has no extent. */
  bounds: Float32Array
  /** ItemKind per item */
  kinds: Uint8Array
  /** `class 87%`, precomputed so frames do no string work. */
  labels: string[]
  /** Per item: where its polygon lives, as [layer, ring], for exact hit tests. */
  polygonRefs: Map<number, [number, number]>
  /** Labels under the shapes instead of over them: a layer drawn beneath another (ground truth under predictions) keeps its labels readable. */
  labelsBelow?: boolean
}

const REVIEW_MARK: Record<ReviewState, string> = { unreviewed: '', accepted: '✓ ', rejected: '✗ ' }

export function labelFor(a: Pick<Annotation, 'class_name' | 'confidence' | 'annotation_type'>, review: ReviewState = 'unreviewed', outcome?: Outcome): string {
  const name = a.class_name ?? a.annotation_type.replace('_', ' ')
  const mark = outcome ? `${OUTCOME_STYLE[outcome].label} ` : REVIEW_MARK[review]
  return mark + (a.confidence === null ? name : `${name} ${Math.round(a.confidence * 100)}%`)
}

const layerKey = (color: string, dashed: boolean, review: ReviewState, outcome: Outcome | null) => `${color}|${dashed ? '-' : ''}|${review}|${outcome ?? ''}`

interface Growable {
  values: number[]
  items: number[]
  rings: number[]
  segments: number[]
  color: string
  dashed: boolean
  review: ReviewState
  outcome: Outcome | null
  index: number
}

export function buildScene(entries: readonly SceneEntry[], natural: Size, options: { labelsBelow?: boolean } = {}): Scene {
  const n = entries.length
  const bounds = new Float32Array(n * 4).fill(Number.NaN)
  const kinds = new Uint8Array(n)
  const labels: string[] = new Array(n)
  const boxGroups = new Map<string, Growable>()
  const polyGroups = new Map<string, Growable>()
  const pointGroups = new Map<string, Growable>()
  const rasters: RasterEntry[] = []
  const polygonRefs = new Map<number, [number, number]>()
  const group = (groups: Map<string, Growable>, color: string, dashed: boolean, review: ReviewState, outcome: Outcome | null = null) => {
    const key = layerKey(color, dashed, review, outcome)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { values: [], items: [], rings: [], segments: [], color, dashed, review, outcome, index: groups.size }))
    return g
  }
  const setBounds = (i: number, x0: number, y0: number, x1: number, y1: number) => {
    bounds[i * 4] = x0
    bounds[i * 4 + 1] = y0
    bounds[i * 4 + 2] = x1
    bounds[i * 4 + 3] = y1
  }

  entries.forEach(({ annotation: a, color, dashed = false, review = 'unreviewed', outcome = null }, i) => {
    labels[i] = labelFor(a, review, outcome ?? undefined)
    const data = a.data
    const { sx, sy } = annotationScale(data, natural)
    switch (a.annotation_type) {
      case 'bounding_box': {
        const box = boxFromData(data)
        if (!box) return
        kinds[i] = ItemKind.Box
        const g = group(boxGroups, color, dashed, review, outcome)
        g.values.push(box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
        g.items.push(i)
        setBounds(i, box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
        return
      }
      case 'polygon': {
        const pts = polygonPoints(data.points)
        if (pts.length < 6) return
        kinds[i] = ItemKind.Polygon
        const g = group(polyGroups, color, dashed, review, outcome)
        const ring = g.rings.length
        g.rings.push(g.values.length)
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
        for (let p = 0; p < pts.length; p += 2) {
          const x = pts[p]! * sx
          const y = pts[p + 1]! * sy
          g.values.push(x, y)
          x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y)
        }
        setBounds(i, x0, y0, x1, y1)
        polygonRefs.set(i, [g.index, ring])
        return
      }
      case 'keypoint': {
        const kps = Array.isArray(data.keypoints) ? (data.keypoints as { x?: unknown; y?: unknown; visible?: unknown }[]) : []
        const g = group(pointGroups, color, false, 'unreviewed')
        const at = (k: number): [number, number] | null => {
          const kp = kps[k]
          if (!kp || kp.visible === false || typeof kp.x !== 'number' || typeof kp.y !== 'number') return null
          return [kp.x * sx, kp.y * sy]
        }
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
        for (let k = 0; k < kps.length; k++) {
          const p = at(k)
          if (!p) continue
          g.values.push(p[0], p[1])
          x0 = Math.min(x0, p[0]); y0 = Math.min(y0, p[1]); x1 = Math.max(x1, p[0]); y1 = Math.max(y1, p[1])
        }
        const skeleton = Array.isArray(data.skeleton) ? (data.skeleton as unknown[]) : []
        for (const edge of skeleton) {
          if (!Array.isArray(edge)) continue
          const p = at(Number(edge[0]))
          const q = at(Number(edge[1]))
          if (p && q) g.segments.push(p[0], p[1], q[0], q[1])
        }
        if (x0 !== Infinity) {
          kinds[i] = ItemKind.Keypoints
          setBounds(i, x0, y0, x1, y1)
        }
        return
      }
      case 'segmentation':
      case 'mask':
      case 'heatmap': {
        kinds[i] = ItemKind.Raster
        const kind = a.annotation_type === 'heatmap' ? 'heatmap' : 'mask'
        const isRle = a.annotation_type === 'segmentation' && data.format === 'rle' && data.counts !== undefined
        if (isRle) {
          const b = rleBoundsInNatural(data, natural)
          if (b) setBounds(i, b[0], b[1], b[2], b[3])
          rasters.push({ annotation: a, color, source: 'rle', kind, item: i })
        } else if (a.storage_path) {
          rasters.push({ annotation: a, color, source: 'png', kind, item: i })
        }
        return
      }
      default:
        // Classification and custom annotations have no geometry; the side panel shows them.
        return
    }
  })

  const seal = (g: Growable): LayerStyle => ({ color: g.color, dashed: g.dashed, review: g.review, outcome: g.outcome })
  return {
    entries,
    natural,
    boxes: [...boxGroups.values()].map((g) => ({ ...seal(g), rects: Float32Array.from(g.values), items: Uint32Array.from(g.items) })),
    polygons: [...polyGroups.values()].map((g) => ({
      ...seal(g),
      coords: Float32Array.from(g.values),
      rings: Uint32Array.from([...g.rings, g.values.length]),
    })),
    keypoints: [...pointGroups.values()].map((g) => ({ color: g.color, points: Float32Array.from(g.values), segments: Float32Array.from(g.segments) })),
    rasters,
    bounds,
    kinds,
    labels,
    polygonRefs,
    labelsBelow: options.labelsBelow ?? false,
  }
}

/** RLE size is [height, width] and may differ from the image's; without it the image's size applies. */
export function rleSize(data: Record<string, unknown>, natural: Size): [number, number] {
  const size = data.size
  if (Array.isArray(size) && typeof size[0] === 'number' && typeof size[1] === 'number' && size[0] > 0 && size[1] > 0) return [size[0], size[1]]
  return [Math.round(natural.height), Math.round(natural.width)]
}

function rleBoundsInNatural(data: Record<string, unknown>, natural: Size): [number, number, number, number] | null {
  const size = rleSize(data, natural)
  try {
    const b = rleBounds({ counts: data.counts as Rle['counts'], size })
    if (!b) return null
    const sx = natural.width / size[1]
    const sy = natural.height / size[0]
    return [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy]
  } catch {
    return null
  }
}

export interface Joint {
  name: string
  confidence: number | null
  x: number
  y: number
}

/** A keypoint annotation's visible joints in natural pixels, with names and confidences for labels. */
export function keypointJoints(a: Annotation, natural: Size): Joint[] {
  if (a.annotation_type !== 'keypoint' || !Array.isArray(a.data.keypoints)) return []
  const { sx, sy } = annotationScale(a.data, natural)
  const out: Joint[] = []
  for (const kp of a.data.keypoints as { name?: unknown; x?: unknown; y?: unknown; confidence?: unknown; visible?: unknown }[]) {
    if (!kp || kp.visible === false || typeof kp.x !== 'number' || typeof kp.y !== 'number') continue
    out.push({ name: typeof kp.name === 'string' ? kp.name : '', confidence: typeof kp.confidence === 'number' ? kp.confidence : null, x: kp.x * sx, y: kp.y * sy })
  }
  return out
}
