import { useEffect, useState } from 'preact/hooks'
import { api } from './api'
import type { Size } from './geometry'
import type { PlacedRaster } from './overlay-draw'
import { rleSize, type RasterEntry } from './overlay-scene'
import { colorizeHeatmap, colorMap, isSingleChannel, type ColorMap } from './color-map'
import { coverageBounds, maskToRgba, sampleCoverage, tintMaskPixels, type Coverage } from './raster'
import { decodeRle, rleBounds, type Rle } from './rle'

/**
 * Bitmaps for the scene's rasters: COCO RLE decoded here, PNG artifacts fetched through a presigned
 * URL. Each is made once per annotation and colour and shared by every view that shows it.
 */
const cache = new Map<string, Promise<PlacedRaster | null>>()

export interface RasterState {
  rasters: ReadonlyMap<string, PlacedRaster>
  failed: number
}

export function useRasters(entries: readonly RasterEntry[], natural: Size, retryTick = 0): RasterState {
  const [state, setState] = useState<RasterState>({ rasters: new Map(), failed: 0 })
  useEffect(() => {
    if (natural.width <= 0 || natural.height <= 0) return
    let alive = true
    const found = new Map<string, PlacedRaster>()
    let failed = 0
    let pending = entries.length
    const publish = () => {
      if (!alive) return
      // Nothing to show before or after: keep the old state object and spare a render.
      setState((s) => (found.size === 0 && s.rasters.size === 0 && s.failed === failed ? s : { rasters: new Map(found), failed }))
    }
    if (pending === 0) publish()
    for (const entry of entries) {
      const key = `${entry.annotation.id}|${entry.color}|${natural.width}x${natural.height}`
      let job = cache.get(key)
      if (!job) {
        job = makeRaster(entry, natural).catch(() => null)
        cache.set(key, job)
      }
      job.then((placed) => {
        if (placed) found.set(entry.annotation.id, placed)
        else {
          failed++
          // Let a later attempt (an artifact uploaded meanwhile) try again.
          cache.delete(key)
        }
        pending--
        // Publish as they come in, but batch the tail so many masks cost few renders.
        if (pending === 0 || found.size % 8 === 0) publish()
      })
    }
    return () => {
      alive = false
    }
  }, [entries, natural.width, natural.height, retryTick])
  return state
}

function canvasOf(rgba: { width: number; height: number; data: Uint8ClampedArray }): HTMLCanvasElement {
  const canvas = document.createElement('canvas')
  canvas.width = rgba.width
  canvas.height = rgba.height
  canvas.getContext('2d')!.putImageData(new ImageData(rgba.data as Uint8ClampedArray<ArrayBuffer>, rgba.width, rgba.height), 0, 0)
  return canvas
}

/** Places a bitmap of `c`'s size over the whole image, with bounds and a sampler in natural pixels. */
function placeWhole(source: CanvasImageSource, c: Coverage, natural: Size, bounds: [number, number, number, number] | null, colorMap: ColorMap | null = null): PlacedRaster {
  const sx = natural.width / c.width
  const sy = natural.height / c.height
  return {
    source,
    x: 0,
    y: 0,
    width: natural.width,
    height: natural.height,
    bounds: bounds && [bounds[0] * sx, bounds[1] * sy, bounds[2] * sx, bounds[3] * sy],
    sample: (x, y) => sampleCoverage(c, x / sx, y / sy),
    colorMap,
  }
}

async function makeRaster(entry: RasterEntry, natural: Size): Promise<PlacedRaster | null> {
  const a = entry.annotation
  if (entry.source === 'rle') {
    const size = rleSize(a.data, natural)
    const rle: Rle = { counts: a.data.counts as Rle['counts'], size }
    const bounds = rleBounds(rle)
    if (!bounds) return null
    const rgba = maskToRgba(decodeRle(rle), entry.color, bounds)
    const sx = natural.width / size[1]
    const sy = natural.height / size[0]
    const x = bounds[0] * sx
    const y = bounds[1] * sy
    return {
      source: canvasOf(rgba),
      x,
      y,
      width: rgba.width * sx,
      height: rgba.height * sy,
      bounds: [x, y, bounds[2] * sx, bounds[3] * sy],
      sample: (px, py) => sampleCoverage(rgba.coverage, (px - x) / sx, (py - y) / sy),
    }
  }
  if (!a.storage_path) return null
  const { download_url } = await api.artifactUrl(a.storage_path)
  const res = await fetch(download_url)
  if (!res.ok) throw new Error(`artifact ${res.status}`)
  // Raw values: no colour management or premultiplication between the PNG and the numbers read.
  const bitmap = await createImageBitmap(await res.blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' })
  const { width, height } = bitmap
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!
  ctx.drawImage(bitmap, 0, 0)
  bitmap.close()
  const pixels = ctx.getImageData(0, 0, width, height)
  if (entry.kind === 'heatmap') {
    const map = isSingleChannel(pixels.data) ? colorMap(typeof a.data.color_map === 'string' ? a.data.color_map : null) : null
    if (map) colorizeHeatmap(pixels.data, map)
    ctx.putImageData(pixels, 0, 0)
    // Strength is what shows: the alpha, which for a coloured single-channel map is its value.
    const strength = new Uint8Array(width * height)
    for (let i = 0; i < strength.length; i++) strength[i] = pixels.data[i * 4 + 3]!
    const coverage = { width, height, data: strength }
    return placeWhole(canvas, coverage, natural, [0, 0, width, height], map)
  }
  const coverage = tintMaskPixels(pixels.data, width, height, entry.color)
  ctx.putImageData(pixels, 0, 0)
  return placeWhole(canvas, coverage, natural, coverageBounds(coverage))
}
