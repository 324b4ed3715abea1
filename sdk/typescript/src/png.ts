import { encode } from 'fast-png'

/**
 * A model's 2-D outputs as the PNGs Loupe shows: a score map as a heatmap, a mask as a mask. Rows
 * first (`scores[y][x]`), as nested arrays, typed arrays, or anything array-like. The Python SDK's
 * `heatmap_png` and `mask_png` write the same pixels for the same input.
 */
export type Grid<T> = ArrayLike<ArrayLike<T>>

export interface HeatmapOptions {
  /** The scores that map to the two ends of the colour map; values outside are clamped. Default [0, 1]. */
  range?: readonly [number, number]
  /**
   * `score` (the default): the pixel's opacity is its score too, so low scores leave the photo
   * visible under the map. `opaque`: every pixel fully opaque.
   */
  alpha?: 'score' | 'opaque'
}

export interface MaskOptions {
  /** A number at or above this is set (booleans are set when true). Default 0.5, so 0/1 masks work. */
  threshold?: number
}

/** matplotlib's viridis at nine evenly spaced points; between them, linear. */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
]

/** The viridis colour of `t` in 0..1 (clamped). */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1)
  const i = Math.min(Math.floor(x), VIRIDIS.length - 2)
  const f = x - i
  const a = VIRIDIS[i]!
  const b = VIRIDIS[i + 1]!
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)]
}

/** Width and height of a rectangular grid; throws on an empty or ragged one. */
export function gridSize(grid: Grid<unknown>): { width: number; height: number } {
  const height = grid.length
  const width = height ? grid[0]!.length : 0
  if (!height || !width) throw new RangeError('the grid is empty: give at least one row with at least one value')
  for (let y = 1; y < height; y++) {
    if (grid[y]!.length !== width) throw new RangeError(`row ${y} has ${grid[y]!.length} values, row 0 has ${width}: the grid must be rectangular`)
  }
  return { width, height }
}

function finite(value: unknown, x: number, y: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`value at row ${y}, column ${x} is ${String(value)}, not a finite number`)
  return value
}

/** Scores as an RGBA heatmap PNG in viridis (`color_map: 'viridis'`), for a `heatmap` annotation. */
export function heatmapPng(scores: Grid<number>, options: HeatmapOptions = {}): Uint8Array {
  const { width, height } = gridSize(scores)
  const [low, high] = options.range ?? [0, 1]
  if (!(Number.isFinite(low) && Number.isFinite(high) && high > low)) throw new RangeError('range must be [low, high] with low < high')
  const opaque = options.alpha === 'opaque'
  const data = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    const row = scores[y]!
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, (finite(row[x], x, y) - low) / (high - low)))
      const o = (y * width + x) * 4
      data.set(viridis(t), o)
      data[o + 3] = opaque ? 255 : Math.round(t * 255)
    }
  }
  return encode({ width, height, data, channels: 4, depth: 8 })
}

/** A mask as a grayscale PNG, white where set and black elsewhere (the viewer tints the white). */
export function maskPng(mask: Grid<number | boolean>, options: MaskOptions = {}): Uint8Array {
  const { width, height } = gridSize(mask)
  const threshold = options.threshold ?? 0.5
  if (!Number.isFinite(threshold)) throw new RangeError('threshold must be a finite number')
  const data = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) {
    const row = mask[y]!
    for (let x = 0; x < width; x++) {
      const value = row[x]
      const set = typeof value === 'boolean' ? value : finite(value, x, y) >= threshold
      data[y * width + x] = set ? 255 : 0
    }
  }
  return encode({ width, height, data, channels: 1, depth: 8 })
}
