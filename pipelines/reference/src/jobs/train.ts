import type { JobRun, ModelVersion } from '@loupe/sdk'
import { strFromU8, unzipSync } from 'fflate'
import { fit, type Sample } from '../rescorer'
import { VERSION } from '../version'

interface CocoDataset {
  images: { id: number; width: number | null; height: number | null }[]
  annotations: { image_id: number; bbox: [number, number, number, number]; loupe: { class_name: string | null; confidence: number | null; review_state: string; annotation_type: string } }[]
}

/** The reviewed boxes of a COCO snapshot: accepted ones are kept detections, rejected ones are not. */
export function reviewedSamples(zip: Uint8Array): Sample[] {
  const files = unzipSync(zip, { filter: (f) => f.name === 'annotations.json' })
  const json = files['annotations.json']
  if (!json) throw new Error('the dataset is not a COCO snapshot (no annotations.json)')
  const coco = JSON.parse(strFromU8(json)) as CocoDataset
  const sizes = new Map(coco.images.map((i) => [i.id, (i.width ?? 0) * (i.height ?? 0)]))
  return coco.annotations.flatMap((a): Sample[] => {
    const { class_name, confidence, review_state, annotation_type } = a.loupe
    if (annotation_type !== 'bounding_box' || confidence === null || !class_name || (review_state !== 'accepted' && review_state !== 'rejected')) return []
    const imageArea = sizes.get(a.image_id) || 1
    return [{ className: class_name, confidence, areaFraction: (a.bbox[2] * a.bbox[3]) / imageArea, accepted: review_state === 'accepted' }]
  })
}

const number = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback)

/**
 * A `training` job: fits a re-scorer on the job's frozen COCO dataset, whose reviewed boxes (with
 * `review: any`, rejected ones included) are what it learns from. The stages: read the dataset, fit
 * with the loss as a metric per epoch, upload `rescorer.json`, register the model version.
 */
export async function train(run: JobRun, log: (line: string) => void): Promise<ModelVersion> {
  const job = await run.start(`reference pipeline ${VERSION}: logistic re-scorer`)
  const p = job.parameters ?? {}
  const samples = await run.stage('load', async () => {
    const { bytes, sha256 } = await run.downloadDataset()
    const samples = reviewedSamples(bytes)
    run.log('info', `dataset ${sha256.slice(0, 12)}: ${samples.length} reviewed boxes`)
    return samples
  }, { span: [0, 0.1] })
  const epochs = Math.max(1, Math.round(number(p.epochs, 300)))
  const pending: { name: string; step: number; epoch: number; value: number }[] = []
  const { model, losses } = await run.stage('fit', (progress) =>
    fit(samples, {
      epochs,
      learningRate: number(p.learning_rate, 0.5),
      l2: number(p.l2, 0.01),
      onEpoch: async (epoch, loss) => {
        pending.push({ name: 'train/loss', step: epoch, epoch, value: loss })
        if (pending.length === 50 || epoch === epochs) {
          await run.metrics(pending.splice(0))
          await progress(epoch / epochs, `epoch ${epoch} of ${epochs}, loss ${loss.toFixed(4)}`)
        }
      },
    }),
  { span: [0.1, 0.85] })
  log(`fitted on ${samples.length} boxes: loss ${losses[0]!.toFixed(4)} → ${losses.at(-1)!.toFixed(4)}`)
  return run.stage('register', async () => {
    const path = await run.upload('model', 'rescorer.json', JSON.stringify(model), 'application/json')
    return run.registerModelVersion({
      version: typeof p.version === 'string' ? p.version : new Date().toISOString(),
      description: `Logistic re-scorer fitted on ${model.trainedOn.accepted} accepted and ${model.trainedOn.rejected} rejected boxes`,
      metrics: { 'train/loss': losses.at(-1)!, samples: samples.length },
      artifacts: [{ kind: 'weights', storage_path: path }],
      provenance: { container_image: `@loupe/reference-pipeline ${VERSION}` },
    })
  }, { span: [0.85, 1] })
}
