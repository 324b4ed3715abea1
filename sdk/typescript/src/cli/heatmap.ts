import { heatmapPng } from '../png'

/** A smooth blob of "attention" centred on (cx, cy): the simulator's stand-in for a model's map. */
export function fakeHeatmapPng(width: number, height: number, cx: number, cy: number): Uint8Array {
  const sigma = Math.min(width, height) / 4
  const scores = Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => Math.min(1, 1.2 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma)))),
  )
  return heatmapPng(scores)
}
