import { acceptedPages, importedPages, predictionPages } from '../../db/evaluation-sql'
import { ColumnsBuilder, type EvaluationInput, type IouType } from '../evaluation'
import { annotationGeometry, EVALUATED_TYPES, type Geometry, importedGeometry } from './geometry'
import type { EvaluationPlan, ScopeImage } from './scope'
import { UuidColumn } from './uuid-column'

/**
 * Streams an evaluation's objects out of D1 into the engine's columns, a batch of images at a
 * time, so that no page of rows outlives its batch: see docs/evaluation.md#api.
 */

const IMAGES_PER_BATCH = 200
const PAGE_ROWS = 5000
// An accepted prediction this close to ground truth already counted is the same object seen twice.
const DUPLICATE_IOU = 0.7

export const SOURCE_IMPORT = 0
export const SOURCE_REVIEW = 1

export interface BuiltInput {
  input: EvaluationInput
  images: ScopeImage[]
  gtIds: UuidColumn
  dtIds: UuidColumn
  /** Per ground truth: SOURCE_IMPORT or SOURCE_REVIEW. */
  gtSource: Uint8Array
  /** Per detection: 1 when a reviewer rejected it. */
  dtRejected: Uint8Array
  /** Predictions left out: a class outside the evaluation, or geometry this IoU type cannot read. */
  dropped: number
}

const boxIou = (a: Geometry['bbox'], b: Geometry['bbox']) => {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0])
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1])
  if (w <= 0 || h <= 0) return 0
  const inter = w * h
  return inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

export async function buildInput(d1: D1Database, plan: EvaluationPlan, onProgress?: (done: number) => Promise<void>): Promise<BuiltInput> {
  const { iouType, images, classNames, keypointNames } = plan
  const types = EVALUATED_TYPES[iouType]
  const classIndex = new Map(classNames.map((n, i) => [n, i]))
  const imageIndex = new Map(images.map((im, i) => [im.id, i]))
  const gt = new ColumnsBuilder(iouType, keypointNames.length)
  const dt = new ColumnsBuilder(iouType, keypointNames.length)
  const gtIds = new UuidColumn()
  const dtIds = new UuidColumn()
  const gtSource: number[] = []
  const dtRejected: number[] = []
  let dropped = 0

  for (let start = 0; start < images.length; start += IMAGES_PER_BATCH) {
    const batch = images.slice(start, start + IMAGES_PER_BATCH)
    const ids = batch.map((im) => im.id)
    // Boxes of the ground truth already placed on each image of the batch, to spot duplicates.
    const placed = new Map<number, { category: number; bbox: Geometry['bbox'] }[]>()
    const addGroundTruth = (image: number, category: number, g: Geometry, id: string, crowd: number, source: number) => {
      gt.addGroundTruth({ image, category, ...g, iscrowd: crowd, ...(g.numKeypoints !== undefined ? { numKeypoints: g.numKeypoints } : {}) })
      gtIds.push(id)
      gtSource.push(source)
      if (plan.source === 'both') (placed.get(image) ?? placed.set(image, []).get(image)!).push({ category, bbox: g.bbox })
    }

    if (plan.importId) {
      for await (const page of importedPages(d1, plan.importId, ids, iouType !== 'bbox', PAGE_ROWS)) {
        for (const o of page) {
          const category = classIndex.get(plan.categoryNames.get(o.category_id) ?? '')
          const image = imageIndex.get(o.image_id)!
          if (category === undefined) continue
          const im = images[image]!
          const g = importedGeometry(o, iouType, { width: im.cocoWidth ?? im.width, height: im.cocoHeight ?? im.height }, keypointNames.length)
          if (g) addGroundTruth(image, category, g, o.id, o.iscrowd, SOURCE_IMPORT)
        }
      }
    }
    if (plan.source !== 'import') {
      for await (const page of acceptedPages(d1, ids, types, PAGE_ROWS)) {
        for (const a of page) {
          const category = classIndex.get(a.class_name ?? 'unlabeled')
          const image = imageIndex.get(a.image_id)!
          if (category === undefined) continue
          const g = annotationGeometry(a.annotation_type, JSON.parse(a.data), iouType, images[image]!, keypointNames)
          if (!g) continue
          if (plan.source === 'both' && placed.get(image)?.some((p) => p.category === category && boxIou(p.bbox, g.bbox) >= DUPLICATE_IOU)) continue
          addGroundTruth(image, category, g, a.id, 0, SOURCE_REVIEW)
        }
      }
    }
    const analyses = batch.map((im) => im.analysisId).filter((id): id is string => id !== null)
    if (analyses.length) {
      for await (const page of predictionPages(d1, analyses, types, PAGE_ROWS)) {
        for (const a of page) {
          const category = classIndex.get(a.class_name ?? 'unlabeled')
          const image = imageIndex.get(a.image_id)
          const g = category === undefined || image === undefined ? null : annotationGeometry(a.annotation_type, JSON.parse(a.data), iouType, images[image]!, keypointNames)
          if (!g) {
            dropped++
            continue
          }
          // A prediction without a confidence ranks as certain; its order among equals is the order it was posted in.
          dt.addDetection({ image: image!, category: category!, ...g, score: a.confidence ?? 1 })
          dtIds.push(a.id)
          dtRejected.push(a.review_state === 'rejected' ? 1 : 0)
        }
      }
    }
    await onProgress?.(Math.min(images.length, start + IMAGES_PER_BATCH))
  }

  return {
    input: { iouType: iouType as IouType, imageCount: images.length, classNames, groundTruth: gt.groundTruth(), detections: dt.detections() },
    images,
    gtIds,
    dtIds,
    gtSource: Uint8Array.from(gtSource),
    dtRejected: Uint8Array.from(dtRejected),
    dropped,
  }
}
