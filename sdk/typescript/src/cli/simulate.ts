import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { LoupeClient } from '../client'
import type { AnnotationInput } from '../types'
import { connectionOptions, requireSecret, requireToken, resolveConnection } from './config'
import { fakeHeatmapPng } from './heatmap'
import { UsageError, type CliIO } from './io'
import { formatBytes, progressBar } from './progress-bar'

export const usage = `loupe simulate --image-id ID [--model-name M] [--model-version V] [--boxes N] [--step-delay MS]
  The guide's pipeline simulation through the SDK: create an analysis, move it to processing,
  presign and upload a generated heatmap PNG, post random boxes + the heatmap + a classification,
  finalize. Needs a user token (--token / LOUPE_TOKEN) and the secret (--secret /
  ML_CALLBACK_HMAC_SECRET); the server is --url / LOUPE_URL / API_BASE_URL.`

const CLASSES = ['person', 'cat', 'dog', 'cup', 'rocket', 'car', 'bird']

interface ImageInfo {
  width?: number | null
  height?: number | null
}

export async function simulate(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...connectionOptions,
      'image-id': { type: 'string' },
      'model-name': { type: 'string', default: 'yolo_v8' },
      'model-version': { type: 'string', default: '1.0.0' },
      'external-job-id': { type: 'string' },
      boxes: { type: 'string' },
      'step-delay': { type: 'string', default: '150' },
    },
  })
  const imageId = values['image-id']
  if (!imageId) throw new UsageError('--image-id is required')
  const boxCount = values.boxes === undefined ? 3 + Math.floor(Math.random() * 6) : Number(values.boxes)
  if (!Number.isInteger(boxCount) || boxCount < 0) throw new UsageError('--boxes must be a whole number')
  const stepDelay = Number(values['step-delay'])
  const connection = resolveConnection(values, io.env)
  const client = new LoupeClient({
    baseUrl: connection.baseUrl,
    secret: requireSecret(connection),
    token: requireToken(connection),
    logger: { debug() {}, warn: (message) => io.stderr.write(`${message}\n`) },
  })
  const say = (line: string) => io.stdout.write(`${line}\n`)
  const modelName = values['model-name']!
  const modelVersion = values['model-version']!

  const image = await client.userRequest<ImageInfo>('GET', `/api/images/${encodeURIComponent(imageId)}`)
  const width = image.width ?? 640
  const height = image.height ?? 480

  const analysis = await client.createAnalysis(imageId, {
    model_name: modelName,
    model_version: modelVersion,
    parameters: { confidence_threshold: 0.25, iou_threshold: 0.45, max_detections: Math.max(100, boxCount) },
    provenance: { git_commit: 'simulator', docker_image: 'loupe/simulator:local', training_dataset: 'none (random output)' },
    ...(values['external-job-id'] && { external_job_id: values['external-job-id'] }),
  })
  say(`1. created analysis ${analysis.id} (${modelName} ${modelVersion}); follow it with: loupe tail ${analysis.id}`)

  await client.withAnalysis(analysis.id, async (run) => {
    await run.start('simulated pipeline starting')
    say('2. status → processing')

    await run.stage('preprocess', async () => {
      run.log('info', `image ${width}x${height}`)
    })
    const boxes = await run.stage('inference', async (progress) => {
      const steps = 5
      for (let i = 0; i < steps; i++) {
        if (stepDelay > 0) await sleep(stepDelay)
        await progress((i + 1) / steps, `batch ${i + 1} of ${steps}`)
      }
      return randomBoxes(boxCount, width, height)
    })
    const heatmap = await run.stage('postprocess', async () => {
      const w = Math.max(16, Math.round(width / 4))
      const h = Math.max(16, Math.round(height / 4))
      return { width: w, height: h, png: fakeHeatmapPng(w, h, w * (0.3 + Math.random() * 0.4), h * (0.3 + Math.random() * 0.4)) }
    })

    const storagePath = await run.stage(
      'upload',
      async () => {
        const bar = progressBar('   uploading heatmap.png', io.stderr, formatBytes)
        let presigned = false
        const path = await run.upload('heatmap', 'heatmap.png', heatmap.png, undefined, {
          onProgress: (done, total) => {
            if (!presigned) {
              presigned = true
              say('3. presigned an upload URL for heatmap.png')
            }
            bar.update(done, total)
          },
        })
        bar.finish()
        say(`4. uploaded heatmap.png (${formatBytes(heatmap.png.byteLength)}) → ${path}`)
        return path
      },
      { weight: 0.1 },
    )

    await run.stage(
      'annotate',
      async () => {
        const annotations: AnnotationInput[] = [
          ...boxes,
          { annotation_type: 'heatmap', data: { width: heatmap.width, height: heatmap.height, color_map: 'viridis' }, storage_path: storagePath, ordering: boxes.length },
          { ...randomClassification(), ordering: boxes.length + 1 },
        ]
        const bar = progressBar('   posting annotations', io.stderr)
        const summary = await run.annotate(annotations, 'append', {
          onProgress: (done, total) => bar.update(done, total),
        })
        bar.finish()
        say(`5. posted ${annotations.length} annotations in ${summary.requests} request(s) (${summary.created} new, ${summary.duplicates} already there)`)
      },
      { weight: 0.2 },
    )
  })
  say('6. finalized: completed')
  return 0
}

function randomBoxes(n: number, width: number, height: number): AnnotationInput[] {
  return Array.from({ length: n }, (_, i) => {
    const w = width * (0.1 + Math.random() * 0.3)
    const h = height * (0.1 + Math.random() * 0.3)
    const x = Math.floor(Math.random() * (width - w))
    const y = Math.floor(Math.random() * (height - h))
    return {
      annotation_type: 'bounding_box' as const,
      class_name: CLASSES[Math.floor(Math.random() * CLASSES.length)]!,
      confidence: Math.round((0.3 + Math.random() * 0.7) * 1000) / 1000,
      // Whole pixels, at least one wide, inside the image.
      data: { x_min: x, y_min: y, x_max: Math.min(width, x + Math.max(1, Math.round(w))), y_max: Math.min(height, y + Math.max(1, Math.round(h))), image_width: width, image_height: height },
      ordering: i,
    }
  })
}

function randomClassification(): AnnotationInput {
  const top = CLASSES.map((c) => ({ class: c, confidence: Math.random() }))
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, 3)
  const sum = top.reduce((s, t) => s + t.confidence, 0)
  const topk = top.map((t) => ({ class: t.class, confidence: Math.round((t.confidence / sum) * 1000) / 1000 }))
  return { annotation_type: 'classification', class_name: topk[0]!.class, confidence: topk[0]!.confidence, data: { topk } }
}
