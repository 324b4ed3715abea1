import { api } from './api'
import { evaluatedAnalysis } from './evaluation-outcomes'
import { evaluationsApi, judgedLabel, type Evaluation } from './evaluations-api'
import { groundTruthAnnotation } from './ground-truth-annotation'
import type { Annotation } from './types'

/**
 * Where an evaluated object is on its image. Evaluation rows name objects by id only; their shapes
 * are the judged analysis's annotations and the image's ground truth, fetched once per image and
 * kept for the tab, as the dataset grid keeps its cells' boxes.
 */
export type ImageGeometry = ReadonlyMap<string, Annotation>

/** Enough of one image's annotations for thumbnails; the image page reads them all. */
const THUMB_ANNOTATIONS = 5000
const cache = new Map<string, Promise<ImageGeometry>>()

export function imageGeometry(imageId: string, ev: Pick<Evaluation, 'predictions' | 'ground_truth'>): Promise<ImageGeometry> {
  const key = `${imageId}\u0000${judgedLabel(ev.predictions)}\u0000${ev.ground_truth.import_id ?? ''}`
  let hit = cache.get(key)
  if (!hit) {
    hit = (async () => {
      const [{ analyses }, truth] = await Promise.all([api.analyses(imageId), ev.ground_truth.import_id ? evaluationsApi.groundTruth(imageId, ev.ground_truth.import_id) : null])
      const analysis = evaluatedAnalysis(analyses, ev.predictions)
      const annotations = analysis && analysis.annotation_count > 0 ? (await api.annotations(analysis.id, { limit: THUMB_ANNOTATIONS })).annotations : []
      const byId = new Map(annotations.map((a) => [a.id, a]))
      for (const o of truth?.objects ?? []) {
        const a = groundTruthAnnotation(o, truth!.import?.created_at ?? '')
        if (a) byId.set(a.id, a)
      }
      return byId
    })()
    hit.catch(() => cache.delete(key))
    cache.set(key, hit)
  }
  return hit
}
