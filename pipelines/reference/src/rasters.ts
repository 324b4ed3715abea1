import { interpolateViridis } from 'd3-scale-chromatic'
import { encode } from 'fast-png'
import type { ProbabilityMap } from './detections'

/** d3's viridis sampled once per byte value, so colouring a map is a table lookup per pixel. */
const VIRIDIS: Uint8Array = (() => {
  const table = new Uint8Array(256 * 3)
  for (let v = 0; v < 256; v++) {
    const hex = interpolateViridis(v / 255)
    table.set([parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)], v * 3)
  }
  return table
})()

/** White where the probability reaches `threshold`, black elsewhere: the viewer tints the white. */
export function maskPng(map: ProbabilityMap, threshold: number): Uint8Array {
  const cut = Math.ceil(threshold * 255)
  const data = map.data.map((v) => (v >= cut ? 255 : 0))
  return encode({ width: map.width, height: map.height, data, channels: 1, depth: 8 })
}

/**
 * The probabilities in viridis, with the probability as alpha as well: over the photo, the
 * background stays clear and the colour still tells a sure pixel from a doubtful one.
 */
export function heatmapPng(map: ProbabilityMap): Uint8Array {
  const data = new Uint8Array(map.width * map.height * 4)
  for (let i = 0, o = 0; i < map.data.length; i++, o += 4) {
    const v = map.data[i]!
    data[o] = VIRIDIS[v * 3]!
    data[o + 1] = VIRIDIS[v * 3 + 1]!
    data[o + 2] = VIRIDIS[v * 3 + 2]!
    data[o + 3] = v
  }
  return encode({ width: map.width, height: map.height, data, channels: 4, depth: 8 })
}

/** The share of pixels at or above `threshold`, and their mean probability (0 when there are none). */
export function coverage(map: ProbabilityMap, threshold: number): { fraction: number; meanProbability: number } {
  const cut = Math.ceil(threshold * 255)
  let count = 0
  let sum = 0
  for (const v of map.data) {
    if (v >= cut) {
      count++
      sum += v
    }
  }
  return { fraction: count / map.data.length, meanProbability: count ? sum / count / 255 : 0 }
}
