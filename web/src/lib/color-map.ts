import {
  interpolateBlues,
  interpolateCividis,
  interpolateCool,
  interpolateGreens,
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateRdBu,
  interpolateRdYlBu,
  interpolateReds,
  interpolateSpectral,
  interpolateTurbo,
  interpolateViridis,
  interpolateWarm,
} from 'd3-scale-chromatic'

/**
 * A heatmap's declared `color_map`, as a 256-entry lookup table. Names follow matplotlib, which is
 * what pipelines write; the curves come from d3-scale-chromatic, which ports matplotlib's
 * perceptual maps (viridis, magma, inferno, plasma, cividis) and Google's turbo exactly. jet, hot
 * and gray are defined by three straight lines each, so they are written out here.
 */
type Interpolator = (t: number) => string

const jet: Interpolator = (t) => {
  const c = (x: number) => Math.round(255 * Math.max(0, Math.min(1, x)))
  return `rgb(${c(1.5 - Math.abs(4 * t - 3))}, ${c(1.5 - Math.abs(4 * t - 2))}, ${c(1.5 - Math.abs(4 * t - 1))})`
}
const hot: Interpolator = (t) => {
  const c = (x: number) => Math.round(255 * Math.max(0, Math.min(1, x)))
  return `rgb(${c(t / 0.375)}, ${c((t - 0.375) / 0.375)}, ${c((t - 0.75) / 0.25)})`
}
const gray: Interpolator = (t) => {
  const v = Math.round(255 * t)
  return `rgb(${v}, ${v}, ${v})`
}
const reversed = (f: Interpolator): Interpolator => (t) => f(1 - t)

const MAPS: Record<string, Interpolator> = {
  viridis: interpolateViridis,
  magma: interpolateMagma,
  inferno: interpolateInferno,
  plasma: interpolatePlasma,
  cividis: interpolateCividis,
  turbo: interpolateTurbo,
  jet,
  hot,
  gray,
  grey: gray,
  greys: reversed(gray),
  cool: interpolateCool,
  warm: interpolateWarm,
  blues: interpolateBlues,
  greens: interpolateGreens,
  reds: interpolateReds,
  spectral: reversed(interpolateSpectral),
  rdylbu: reversed(interpolateRdYlBu),
  rdbu: reversed(interpolateRdBu),
  // matplotlib's coolwarm is a blue-white-red diverging map; RdBu reversed is the closest here.
  coolwarm: reversed(interpolateRdBu),
  seismic: reversed(interpolateRdBu),
}

export const DEFAULT_COLOR_MAP = 'viridis'

export interface ColorMap {
  /** The name the map is shown under: the declared one when known, else the default. */
  name: string
  /** False when the declared name is not one Loupe knows; the default is used instead. */
  known: boolean
  /** r, g, b for each of the 256 values */
  lut: Uint8Array
}

export function parseColor(s: string): [number, number, number] {
  if (s.startsWith('#')) {
    const n = Number.parseInt(s.slice(1, 7), 16)
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
  }
  const m = s.match(/-?\d+(\.\d+)?/g) ?? []
  return [Number(m[0] ?? 0), Number(m[1] ?? 0), Number(m[2] ?? 0)]
}

/** matplotlib's names, any case, with its `_r` suffix for the reversed map. */
export function normalizeColorMapName(name: string | null | undefined): { key: string; reverse: boolean } {
  const raw = (name ?? '').trim().toLowerCase()
  const reverse = raw.endsWith('_r')
  return { key: reverse ? raw.slice(0, -2) : raw, reverse }
}

const luts = new Map<string, ColorMap>()

export function colorMap(name: string | null | undefined): ColorMap {
  const { key, reverse } = normalizeColorMapName(name)
  const cacheKey = `${key}|${reverse}`
  const cached = luts.get(cacheKey)
  if (cached) return cached
  const known = key in MAPS
  const f = MAPS[known ? key : DEFAULT_COLOR_MAP]!
  const lut = new Uint8Array(256 * 3)
  for (let v = 0; v < 256; v++) lut.set(parseColor(f(reverse ? 1 - v / 255 : v / 255)), v * 3)
  const map = { name: known ? `${key}${reverse ? '_r' : ''}` : DEFAULT_COLOR_MAP, known, lut }
  luts.set(cacheKey, map)
  return map
}

/** CSS for a legend bar: the map sampled at 11 stops. */
export function colorMapGradient(map: ColorMap): string {
  const stops = Array.from({ length: 11 }, (_, i) => {
    const v = Math.round((i / 10) * 255) * 3
    return `rgb(${map.lut[v]}, ${map.lut[v + 1]}, ${map.lut[v + 2]}) ${i * 10}%`
  })
  return `linear-gradient(to right, ${stops.join(', ')})`
}

/**
 * True when every pixel is grey (r = g = b): a single-channel map saved as PNG, whether the PNG
 * was written as grey, grey + alpha or RGB with equal channels. Such a map carries values, not
 * colours, and needs its colour map applied.
 */
export function isSingleChannel(pixels: Uint8ClampedArray): boolean {
  for (let o = 0; o < pixels.length; o += 4) {
    if (pixels[o] !== pixels[o + 1] || pixels[o] !== pixels[o + 2]) return false
  }
  return true
}

/**
 * Colours a single-channel heatmap in place. Where the PNG has no alpha of its own, the value is
 * the alpha too: zero stays transparent and the photo shows through where the model saw nothing,
 * instead of a sheet of the map's darkest colour over the whole image.
 */
export function colorizeHeatmap(pixels: Uint8ClampedArray, map: ColorMap): void {
  let opaque = true
  for (let o = 3; o < pixels.length; o += 4) {
    if (pixels[o] !== 255) {
      opaque = false
      break
    }
  }
  const lut = map.lut
  for (let o = 0; o < pixels.length; o += 4) {
    const v = pixels[o]!
    pixels[o] = lut[v * 3]!
    pixels[o + 1] = lut[v * 3 + 1]!
    pixels[o + 2] = lut[v * 3 + 2]!
    if (opaque) pixels[o + 3] = v
  }
}
