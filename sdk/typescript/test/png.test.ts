import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { decode } from 'fast-png'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { heatmapPng, maskPng, viridis } from '../src'
import { ANALYSIS_ID, FakeClock, makeClient, StubServer } from './stub-server'

/** Pixels of a decoded PNG as rows of channel tuples, so a failure shows which pixel is wrong. */
function pixels(png: Uint8Array) {
  const image = decode(png)
  const { width, height, channels } = image
  const rows = Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => Array.from(image.data.slice((y * width + x) * channels, (y * width + x + 1) * channels))),
  )
  return { width, height, channels, depth: image.depth, rows }
}

describe('heatmapPng', () => {
  it('turns scores into viridis pixels whose opacity is the score', () => {
    const { width, height, channels, depth, rows } = pixels(heatmapPng([[0, 0.5, 1], [1, 0.25, 0]]))
    expect({ width, height, channels, depth }).toEqual({ width: 3, height: 2, channels: 4, depth: 8 })
    expect(rows[0]![0]).toEqual([68, 1, 84, 0]) // viridis' dark end, transparent
    expect(rows[0]![1]).toEqual([33, 145, 140, 128]) // its middle, half opaque
    expect(rows[0]![2]).toEqual([253, 231, 37, 255]) // its bright end, opaque
    expect(rows[1]![0]).toEqual(rows[0]![2])
    expect(rows[1]![1]).toEqual([...viridis(0.25), 64])
  })

  it('maps a range onto the colour map, clamps outside it, and can be opaque', () => {
    const { rows } = pixels(heatmapPng([[-5, 10, 20, 99]], { range: [10, 20], alpha: 'opaque' }))
    expect(rows[0]!.map((p) => p[3])).toEqual([255, 255, 255, 255])
    expect(rows[0]!.map((p) => p.slice(0, 3))).toEqual([viridis(0), viridis(0), viridis(1), viridis(1)])
  })

  it('takes typed-array rows as well as nested arrays', () => {
    expect(pixels(heatmapPng([Float32Array.of(0, 1)])).rows).toEqual(pixels(heatmapPng([[0, 1]])).rows)
  })

  it('refuses what is not a rectangular grid of finite numbers', () => {
    for (const bad of [[], [[]], [[0.1, 0.2], [0.3]], [[0.1, Number.NaN]], [['0.2']], [[null]]]) {
      expect(() => heatmapPng(bad as number[][]), JSON.stringify(bad)).toThrow(RangeError)
    }
    expect(() => heatmapPng([[0.5]], { range: [1, 1] })).toThrow(RangeError)
  })
})

describe('maskPng', () => {
  it('writes set pixels white and the rest black, in one gray channel', () => {
    const { channels, rows } = pixels(maskPng([[0, 1, 1], [true, false, 0.7]]))
    expect(channels).toBe(1)
    expect(rows).toEqual([[[0], [255], [255]], [[255], [0], [255]]])
  })

  it('lets a threshold decide for numbers', () => {
    expect(pixels(maskPng([[0.2, 0.4, 0.9]], { threshold: 0.3 })).rows).toEqual([[[0], [255], [255]]])
  })
})

describe('the Python SDK', () => {
  it('writes the same pixels for the same scores and mask', () => {
    const scores = Array.from({ length: 7 }, (_, y) => Array.from({ length: 9 }, (_, x) => ((x * 7 + y * 13) % 17) / 16))
    const mask = scores.map((row) => row.map((v) => v > 0.4))
    const script = [
      'import base64, json, sys',
      'from loupe import heatmap_png, mask_png',
      'scores, mask = json.load(sys.stdin)',
      'print(json.dumps([base64.b64encode(heatmap_png(scores)).decode(), base64.b64encode(mask_png(mask)).decode()]))',
    ].join('\n')
    const python = spawnSync('python3', ['-c', script], {
      input: JSON.stringify([scores, mask]),
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: join(import.meta.dirname, '../../python/src') },
    })
    expect(python.status, python.stderr).toBe(0)
    const [heatmap, maskFile] = (JSON.parse(python.stdout) as string[]).map((b64) => new Uint8Array(Buffer.from(b64, 'base64')))
    expect(pixels(heatmap!)).toEqual(pixels(heatmapPng(scores)))
    expect(pixels(maskFile!)).toEqual(pixels(maskPng(mask)))
  })
})

describe('uploadHeatmap and uploadMask', () => {
  let server: StubServer
  beforeEach(async () => {
    server = await StubServer.start()
  })
  afterEach(() => server.close())

  it('upload the PNG and resolve to its annotation', async () => {
    const { client } = makeClient(server, { now: new FakeClock().now })
    const run = client.analysis(ANALYSIS_ID)
    const heatmap = await run.uploadHeatmap([[0, 0.5], [1, 0.25]], { class_name: 'cat', confidence: 0.8 })
    expect(heatmap).toEqual({
      annotation_type: 'heatmap',
      class_name: 'cat',
      confidence: 0.8,
      data: { width: 2, height: 2, color_map: 'viridis' },
      storage_path: `ml_outputs/${ANALYSIS_ID}/heatmap.png`,
    })
    const mask = await run.uploadMask([[0, 1, 1]], { filename: 'cat-mask.png' })
    expect(mask).toEqual({ annotation_type: 'mask', data: { width: 3, height: 1 }, storage_path: `ml_outputs/${ANALYSIS_ID}/cat-mask.png` })

    const [heatmapPresign, heatmapPut, maskPresign, maskPut] = server.requests
    expect([heatmapPresign!.json.artifact_type, heatmapPresign!.json.content_type]).toEqual(['heatmap', 'image/png'])
    expect(pixels(new Uint8Array(heatmapPut!.body)).rows).toEqual(pixels(heatmapPng([[0, 0.5], [1, 0.25]])).rows)
    expect(maskPresign!.json.artifact_type).toBe('mask')
    expect(pixels(new Uint8Array(maskPut!.body)).rows).toEqual([[[0], [255], [255]]])
  })
})
