import { TERMINAL_STATUSES, type AnnotationInput, type BatchResultItem, type JobInputs, type JobRun, type LoupeClient } from '@loupe/sdk'
import type { ModelAdapter } from '../adapters/adapter'
import { toAnnotations } from '../annotations'
import { decodeImage } from '../image'
import type { PipelineParameters } from '../parameters'
import { parseRescorer, rescore, type Rescorer } from '../rescorer'
import { VERSION } from '../version'

/** Results go back in groups, so the batch's progress moves while it runs without a request per image. */
const RESULTS_PER_REQUEST = 10

/**
 * A `batch_inference` job: the detector over every image of the batch, each box re-scored by the
 * model version the job applies (its `rescorer.json`), the results posted per image. Images whose
 * analysis is already final are skipped, so a restarted pipeline picks up where it stopped.
 */
export async function batchInference(client: LoupeClient, run: JobRun, adapter: ModelAdapter, parameters: PipelineParameters, log: (line: string) => void) {
  await run.start(`reference pipeline ${VERSION}, ${adapter.kind} adapter`)
  const inputs = await run.inputs()
  const rescorer = inputs.model_version ? await loadRescorer(client, inputs.model_version) : null
  run.log('info', rescorer ? `re-scoring with ${inputs.model_version!.name} ${inputs.model_version!.version} (${rescorer.classes.length} classes)` : 'no model version to apply: detector scores as they are')
  const total = inputs.job.batch_total ?? 0
  let done = 0
  let pending: BatchResultItem[] = []
  const send = async () => {
    if (!pending.length) return
    const answer = await run.batchResults(pending)
    pending = []
    await run.progress(total ? done / total : 1, 'inference', `${answer.batch.completed} of ${answer.batch.total} images`, { force: true })
  }
  for await (const image of run.batchImages(50)) {
    done++
    if (image.analysis && (TERMINAL_STATUSES as readonly string[]).includes(image.analysis.status)) continue
    try {
      const res = await fetch(client.url(image.download_url))
      if (!res.ok) throw new Error(`downloading ${image.filename}: ${res.status}`)
      const bytes = new Uint8Array(await res.arrayBuffer())
      const output = await adapter.infer(
        { image: decodeImage(bytes), bytes, filename: image.filename, contentType: image.content_type },
        { progress: () => undefined, log: (level, message) => run.log(level, message) },
      )
      const annotations = toAnnotations(output, parameters).map((a) => (rescorer ? rescored(rescorer, a) : a))
      pending.push({ image_id: image.id, status: 'completed', annotations, provenance: { adapter: adapter.kind, ...adapter.provenance } })
    } catch (err) {
      pending.push({ image_id: image.id, status: 'failed', error_message: (err as Error).message })
    }
    if (pending.length >= RESULTS_PER_REQUEST) await send()
  }
  await send()
  log(`batch ${run.id}: ${done} images`)
}

/** A box's confidence becomes the chance a reviewer keeps it; the detector's own score is kept beside it. */
function rescored(model: Rescorer, a: AnnotationInput): AnnotationInput {
  if (a.annotation_type !== 'bounding_box' || a.confidence == null || !a.class_name) return a
  const d = a.data as { x_min: number; y_min: number; x_max: number; y_max: number; image_width?: number; image_height?: number }
  const areaFraction = d.image_width && d.image_height ? ((d.x_max - d.x_min) * (d.y_max - d.y_min)) / (d.image_width * d.image_height) : 0
  return { ...a, confidence: rescore(model, { className: a.class_name, confidence: a.confidence, areaFraction }), data: { ...d, detector_confidence: a.confidence } }
}

async function loadRescorer(client: LoupeClient, version: NonNullable<JobInputs['model_version']>): Promise<Rescorer> {
  const weights = version.artifacts.find((a) => a.kind === 'weights' && a.download_url)
  if (!weights) throw new Error(`model version ${version.name} ${version.version} has no weights to download`)
  const res = await fetch(client.url(weights.download_url!))
  if (!res.ok) throw new Error(`downloading ${weights.filename}: ${res.status}`)
  return parseRescorer(await res.json())
}
