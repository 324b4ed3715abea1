import { encode } from 'fast-png'

/** Coarse viridis stops; the simulator only needs a heatmap that looks like one. */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
]

export function viridis(t: number): [number, number, number] {
  const x = Math.min(0.9999, Math.max(0, t)) * (VIRIDIS.length - 1)
  const i = Math.floor(x)
  const a = VIRIDIS[i]!
  const b = VIRIDIS[i + 1]!
  const f = x - i
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number]
}

/** A smooth blob of "attention" centred on (cx, cy), transparent where it is low. */
export function fakeHeatmapPng(width: number, height: number, cx: number, cy: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4)
  const sigma = Math.min(width, height) / 4
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma))
      const o = (y * width + x) * 4
      rgba.set(viridis(v), o)
      rgba[o + 3] = Math.round(255 * Math.min(1, v * 1.2))
    }
  }
  return encode({ width, height, data: rgba, channels: 4, depth: 8 })
}
