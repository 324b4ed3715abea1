import { encode } from 'fast-png'
import { signatureHeaders } from './sign'

export interface SimulationOptions {
  baseUrl: string
  secret: string
  token: string
  imageId: string
  modelName: string
  modelVersion: string
  boxes?: number
  log?: (line: string) => void
}

interface ImageInfo {
  width: number | null
  height: number | null
}

/** Coarse viridis stops; the simulator only needs a heatmap that looks like one. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
]

function viridis(t: number): [number, number, number] {
  const x = Math.min(0.9999, Math.max(0, t)) * (VIRIDIS.length - 1)
  const i = Math.floor(x)
  const f = x - i
  const a = VIRIDIS[i]!
  const b = VIRIDIS[i + 1]!
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number]
}

/** A smooth blob of "attention" with transparency where it is low. */
export function fakeHeatmapPng(width: number, height: number, cx: number, cy: number): Uint8Array {
  const data = new Uint8Array(width * height * 4)
  const sigma = Math.min(width, height) / 4
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma * sigma))
      const [r, g, b] = viridis(v)
      const o = (y * width + x) * 4
      data[o] = r
      data[o + 1] = g
      data[o + 2] = b
      data[o + 3] = Math.round(255 * Math.min(1, v * 1.2))
    }
  }
  return encode({ width, height, data, channels: 4, depth: 8 })
}

const CLASSES = ['person', 'cat', 'dog', 'cup', 'rocket', 'car', 'bird']

/**
 * The guide's pipeline simulation, step by step: create, processing, presign, upload a heatmap,
 * post boxes + the heatmap + a classification, finalize. Every callback is HMAC-signed.
 */
export async function simulatePipeline(o: SimulationOptions): Promise<{ analysisId: string }> {
  const log = o.log ?? ((line: string) => console.log(line))
  const base = o.baseUrl.replace(/\/$/, '')

  async function call(method: string, path: string, payload: unknown, auth: 'user' | 'hmac') {
    const body = JSON.stringify(payload)
    const headers: Record<string, string> =
      auth === 'user' ? { Authorization: `Bearer ${o.token}`, 'Content-Type': 'application/json' } : signatureHeaders(o.secret, body)
    const res = await fetch(base + path, { method, headers, body })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }

  const imageRes = await fetch(`${base}/api/images/${o.imageId}`, { headers: { Authorization: `Bearer ${o.token}` } })
  if (!imageRes.ok) throw new Error(`GET image → ${imageRes.status} ${await imageRes.text()}`)
  const image = (await imageRes.json()) as ImageInfo
  const width = image.width ?? 640
  const height = image.height ?? 480

  const analysis = await call(
    'POST',
    `/api/images/${o.imageId}/analyses`,
    {
      model_name: o.modelName,
      model_version: o.modelVersion,
      parameters: { confidence_threshold: 0.25, iou_threshold: 0.45, max_detections: 100 },
      provenance: { git_commit: 'simulator', docker_image: 'loupe/simulator:local', training_dataset: 'none (random output)' },
    },
    'user',
  )
  const id = analysis.id as string
  log(`1. created analysis ${id} (${o.modelName} ${o.modelVersion})`)

  await call('PATCH', `/api/analyses/${id}/status`, { status: 'processing', stage: 'inference', progress: 0.1 }, 'hmac')
  log('2. status → processing')

  const presign = await call('POST', `/api/analyses/${id}/artifacts/presign`, { artifact_type: 'heatmap', filename: 'heatmap.png' }, 'hmac')
  log(`3. presigned ${presign.storage_path}`)

  const hw = Math.max(16, Math.round(width / 4))
  const hh = Math.max(16, Math.round(height / 4))
  const png = fakeHeatmapPng(hw, hh, hw * (0.3 + Math.random() * 0.4), hh * (0.3 + Math.random() * 0.4))
  const put = await fetch(presign.upload_url, { method: 'PUT', headers: presign.headers, body: new Blob([new Uint8Array(png)]) })
  if (!put.ok) throw new Error(`PUT heatmap → ${put.status} ${await put.text()}`)
  log(`4. uploaded heatmap.png (${png.byteLength} bytes)`)

  const n = o.boxes ?? 3 + Math.floor(Math.random() * 6)
  const boxes = Array.from({ length: n }, (_, i) => {
    const w = width * (0.1 + Math.random() * 0.3)
    const h = height * (0.1 + Math.random() * 0.3)
    const x = Math.random() * (width - w)
    const y = Math.random() * (height - h)
    return {
      annotation_type: 'bounding_box',
      class_name: CLASSES[Math.floor(Math.random() * CLASSES.length)],
      confidence: Math.round((0.3 + Math.random() * 0.7) * 1000) / 1000,
      data: { x_min: Math.round(x), y_min: Math.round(y), x_max: Math.round(x + w), y_max: Math.round(y + h), image_width: width, image_height: height },
      ordering: i,
    }
  })
  const top = CLASSES.map((c) => ({ class: c, confidence: Math.random() })).sort((a, b) => b.confidence - a.confidence).slice(0, 3)
  const sum = top.reduce((s, t) => s + t.confidence, 0)
  const topk = top.map((t) => ({ class: t.class, confidence: Math.round((t.confidence / sum) * 1000) / 1000 }))
  const bulk = await call(
    'POST',
    `/api/analyses/${id}/annotations:bulk`,
    {
      annotations: [
        ...boxes,
        { annotation_type: 'heatmap', data: { width: hw, height: hh, color_map: 'viridis' }, storage_path: presign.storage_path, ordering: n },
        { annotation_type: 'classification', class_name: topk[0]!.class, confidence: topk[0]!.confidence, data: { topk }, ordering: n + 1 },
      ],
      mode: 'append',
    },
    'hmac',
  )
  log(`5. posted ${bulk.total} annotations (${bulk.created} new)`)

  const final = await call('POST', `/api/analyses/${id}/finalize`, { status: 'completed' }, 'hmac')
  log(`6. finalized: ${final.status}`)
  return { analysisId: id }
}
