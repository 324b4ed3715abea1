import type { AnalysisRun, AnnotationInput, LoupeClient } from '@loupe/sdk'
import type { InferenceInput, ModelAdapter } from './adapters/adapter'
import type { ModelOutput } from './detections'
import { personDetected, rasterAnnotations, toAnnotations } from './annotations'
import { decodeImage } from './image'
import { downloadImage, getImage } from './loupe-api'
import type { PipelineParameters } from './parameters'
import { coverage, heatmapPng, maskPng } from './rasters'

/**
 * The standard stages (docs/ML_PIPELINE_INTEGRATION.md, "Progress, stages and logs"), minus video: preprocess 10–15 %, inference 15–65 %, postprocess 65–75 % (the
 * SDK knows these ranges by name), then upload and annotate in the span that stitching and
 * thumbnails had. Each stage reports its start, end, duration and failure through `run.stage`.
 */
const UPLOAD_SPAN: [number, number] = [0.75, 0.9]
const ANNOTATE_SPAN: [number, number] = [0.9, 0.95]

export interface RunSummary {
  annotations: number
  artifacts: string[]
}

/** The image a run analyzes, however it was found: bytes as stored, and a name for the logs. */
export interface SourceImage {
  bytes: Uint8Array<ArrayBuffer>
  filename: string
  contentType: string
}

/**
 * `--work-delay-ms`, for tests and demos: a wait after the start and after each stage, so a
 * worker can be stopped or killed while its run is `processing`. A wait ends early, throwing the
 * signal's reason, when the run is taken away (canceled, released, its lease lost).
 */
export interface Pace {
  delayMs?: number
  signal?: AbortSignal | undefined
}

/** Runs the five stages for one image on an analysis that is already created, and completes it, in the trace of `traceparent` when given. */
export function analyzeImage(
  client: LoupeClient,
  analysisId: string,
  imageId: string,
  adapter: ModelAdapter,
  parameters: PipelineParameters,
  traceparent?: string,
): Promise<RunSummary> {
  return client.withAnalysis(analysisId, (run) => runStages(run, () => storedImage(client, imageId), adapter, parameters), { traceparent })
}

/**
 * The start and the five stages on a run handle, whoever made it: `analyzeImage` for the analyses
 * this pipeline creates, and the pull worker's and webhook receiver's handlers for those handed to it.
 */
export async function runStages(
  run: AnalysisRun,
  load: () => Promise<SourceImage>,
  adapter: ModelAdapter,
  parameters: PipelineParameters,
  pace: Pace = {},
): Promise<RunSummary> {
  const step = () => pause(pace)
  await run.start(`reference pipeline, ${adapter.kind} adapter`)
  await step()
  const input = await run.stage('preprocess', () => preprocess(run, load))
  await step()
  const output = await run.stage('inference', (progress) =>
    adapter.infer(input, { progress, log: (level, message) => run.log(level, message) }),
  )
  await step()
  const result = await run.stage('postprocess', () => postprocess(run, output, parameters))
  await step()
  const artifacts = await run.stage('upload', (progress) => upload(run, result, progress), { span: UPLOAD_SPAN })
  await step()
  const annotations = [...result.annotations, ...artifacts.annotations]
  await run.stage('annotate', () => run.annotate(annotations), { span: ANNOTATE_SPAN })
  return { annotations: annotations.length, artifacts: artifacts.paths }
}

async function storedImage(client: LoupeClient, imageId: string): Promise<SourceImage> {
  const info = await getImage(client, imageId)
  return { bytes: await downloadImage(client, info), filename: info.filename, contentType: info.content_type }
}

async function preprocess(run: AnalysisRun, load: () => Promise<SourceImage>): Promise<InferenceInput> {
  const { bytes, filename, contentType } = await load()
  const image = decodeImage(bytes)
  run.log('info', `${filename}: ${image.width}×${image.height} ${image.format.toUpperCase()}, ${bytes.byteLength} bytes`)
  return { image, bytes, filename, contentType }
}

function pause({ delayMs = 0, signal }: Pace): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason)
  if (delayMs <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort)
      resolve()
    }, delayMs)
    const abort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', abort, { once: true })
  })
}

interface Postprocessed {
  annotations: AnnotationInput[]
  segmentation: { mask: Uint8Array; heatmap: Uint8Array; map: NonNullable<ModelOutput['segmentation']>; meanProbability: number } | null
}

function postprocess(run: AnalysisRun, output: ModelOutput, parameters: PipelineParameters): Postprocessed {
  run.log('info', `models: ${Object.entries(output.models).map(([task, model]) => `${task} ${model}`).join(', ')}`)
  const objects = output.objects.map((o) => `${o.label} ${o.score.toFixed(2)}`).join(', ') || 'none'
  run.log('info', `object candidates: ${objects}`)
  run.log('info', `faces: ${output.faces.length}; bodies: ${output.bodies.map((b) => `${b.keypoints.length} keypoints`).join(', ') || 'none'}`)
  const annotations = toAnnotations(output, parameters)
  const map = output.segmentation
  if (!map) return { annotations, segmentation: null }
  if (!personDetected(output, parameters)) {
    // The segmentation model assumes a person is there and outlines cats and cups as readily.
    run.log('info', 'no person detected: the segmentation is left out')
    return { annotations, segmentation: null }
  }
  const { fraction, meanProbability } = coverage(map, parameters.mask_threshold)
  if (fraction === 0) {
    run.log('info', `no pixel reaches the mask threshold ${parameters.mask_threshold}: no person to segment`)
    return { annotations, segmentation: null }
  }
  run.log('info', `person mask covers ${(fraction * 100).toFixed(1)} % of the image`)
  return { annotations, segmentation: { map, mask: maskPng(map, parameters.mask_threshold), heatmap: heatmapPng(map), meanProbability } }
}

async function upload(run: AnalysisRun, result: Postprocessed, progress: (fraction: number) => Promise<unknown>) {
  const s = result.segmentation
  if (!s) {
    run.log('info', 'no person mask; nothing to upload')
    return { paths: [], annotations: [] }
  }
  const mask = await run.upload('mask', 'person-mask.png', s.mask, 'image/png')
  run.log('info', `uploaded the person mask (${s.mask.byteLength} bytes)`)
  await progress(0.5)
  const heatmap = await run.upload('heatmap', 'person-probability.png', s.heatmap, 'image/png')
  run.log('info', `uploaded the probability heatmap (${s.heatmap.byteLength} bytes)`)
  return { paths: [mask, heatmap], annotations: rasterAnnotations(s.map, { mask, heatmap }, s.meanProbability) }
}
