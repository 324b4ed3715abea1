import { completedAnalyses, predictionPages, projectImageRows, type ChosenAnalysis } from '../../db/evaluation-sql'
import { AppError } from '../../errors'
import type { ComparePair } from '../../schemas/project-review'
import { COMPARED_TYPES, pairImage, type CompareObject } from './pairing'

/**
 * Two versions paired over every image both analysed (each image's latest completed analysis of
 * each), read a batch of images and a page of rows at a time as an evaluation reads them.
 */

export interface ModelSelector {
  model_name: string
  model_version: string
}

export interface PairedImage {
  image_id: string
  filename: string
  a_analysis_id: string
  b_analysis_id: string
  pairs: ComparePair[]
  /** Objects of either side a person accepted or rejected. */
  reviewed: ReadonlySet<string>
}

const IMAGES_PER_BATCH = 200
const PAGE_ROWS = 5000
/** Both versions' annotations past this are more than a request should parse at once. */
export const MAX_COMPARED_OBJECTS = 400_000

/** Each image's latest completed analysis of the selection (the query lists them newest first). */
function latestPerImage(rows: ChosenAnalysis[]) {
  const out = new Map<string, ChosenAnalysis>()
  for (const r of rows) if (!out.has(r.image_id)) out.set(r.image_id, r)
  return out
}

export async function* pairedImages(d1: D1Database, projectId: string, a: ModelSelector, b: ModelSelector, iou: number): AsyncGenerator<PairedImage> {
  const [ofA, ofB, imageRows] = await Promise.all([completedAnalyses(d1, projectId, a), completedAnalyses(d1, projectId, b), projectImageRows(d1, projectId)])
  const latestA = latestPerImage(ofA)
  const latestB = latestPerImage(ofB)
  const images = imageRows
    .filter((im) => latestA.has(im.id) && latestB.has(im.id))
    .sort((x, y) => (x.filename < y.filename ? -1 : x.filename > y.filename ? 1 : x.id < y.id ? -1 : 1))
  const objects = images.reduce((n, im) => n + latestA.get(im.id)!.annotation_count + latestB.get(im.id)!.annotation_count, 0)
  if (objects > MAX_COMPARED_OBJECTS) {
    throw new AppError(422, 'comparison_too_large', `${objects} annotations are more than one comparison reads (${MAX_COMPARED_OBJECTS}); compare an analysis group or a smaller project`, {
      objects,
      limit: MAX_COMPARED_OBJECTS,
    })
  }

  for (let start = 0; start < images.length; start += IMAGES_PER_BATCH) {
    const batch = images.slice(start, start + IMAGES_PER_BATCH)
    const byAnalysis = new Map<string, CompareObject[]>()
    for (const im of batch) for (const id of [latestA.get(im.id)!.id, latestB.get(im.id)!.id]) byAnalysis.set(id, [])
    for await (const page of predictionPages(d1, [...byAnalysis.keys()], COMPARED_TYPES, PAGE_ROWS)) {
      for (const r of page) {
        byAnalysis.get(r.analysis_id)!.push({ id: r.id, annotation_type: r.annotation_type, class_name: r.class_name, confidence: r.confidence, data: JSON.parse(r.data), review_state: r.review_state })
      }
    }
    for (const im of batch) {
      const [ia, ib] = [latestA.get(im.id)!.id, latestB.get(im.id)!.id]
      const [oa, ob] = [byAnalysis.get(ia)!, byAnalysis.get(ib)!]
      const reviewed = new Set([...oa, ...ob].filter((o) => o.review_state !== 'unreviewed').map((o) => o.id))
      yield { image_id: im.id, filename: im.filename, a_analysis_id: ia, b_analysis_id: ib, pairs: pairImage(im, oa, ob, iou), reviewed }
    }
  }
}
