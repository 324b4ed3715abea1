/**
 * Evaluations and ground truth as the viewer calls them (docs/evaluation.md#api). The types are
 * the server's zod schemas, imported as types only, so zod stays out of the bundle.
 */
import type { z } from 'zod'
import type {
  EvaluationCell as EvaluationCellSchema,
  EvaluationComparison as EvaluationComparisonSchema,
  EvaluationCreate as EvaluationCreateSchema,
  EvaluationImageList as EvaluationImageListSchema,
  EvaluationImageObjects as EvaluationImageObjectsSchema,
  EvaluationList as EvaluationListSchema,
  EvaluationObject as EvaluationObjectSchema,
  EvaluationResult as EvaluationResultSchema,
  Evaluation as EvaluationSchema,
  MatchIndex as MatchIndexSchema,
} from '../../../src/schemas/evaluations'
import type { GroundTruthObject as GroundTruthObjectSchema, ImageGroundTruth as ImageGroundTruthSchema } from '../../../src/schemas/ground-truth'
import { json, withQuery } from './api'

export type Evaluation = z.infer<typeof EvaluationSchema>
export type EvaluationList = z.infer<typeof EvaluationListSchema>
export type EvaluationCreate = z.input<typeof EvaluationCreateSchema>
export type EvaluationResult = z.infer<typeof EvaluationResultSchema>
export type EvaluationObject = z.infer<typeof EvaluationObjectSchema>
export type EvaluationImageObjects = z.infer<typeof EvaluationImageObjectsSchema>
export type EvaluationImageList = z.infer<typeof EvaluationImageListSchema>
export type EvaluationCell = z.infer<typeof EvaluationCellSchema>
export type EvaluationComparison = z.infer<typeof EvaluationComparisonSchema>
export type MatchIndex = z.infer<typeof MatchIndexSchema>
export type GroundTruthObject = z.infer<typeof GroundTruthObjectSchema>
export type ImageGroundTruth = z.infer<typeof ImageGroundTruthSchema>
export type IouType = Evaluation['iou_type']
export type GroundTruthSource = Evaluation['ground_truth']['source']

const enc = encodeURIComponent
const evaluation = (id: string) => `/api/evaluations/${enc(id)}`

export const evaluationsApi = {
  list: (projectId: string, signal?: AbortSignal) => json<EvaluationList>('GET', `/api/projects/${enc(projectId)}/evaluations`, { signal }),
  create: (projectId: string, body: EvaluationCreate) => json<Evaluation>('POST', `/api/projects/${enc(projectId)}/evaluations`, { body }),
  get: (id: string, signal?: AbortSignal) => json<Evaluation>('GET', evaluation(id), { signal }),
  remove: (id: string) => json<void>('DELETE', evaluation(id)),
  compare: (a: string, b: string, signal?: AbortSignal) => json<EvaluationComparison>('GET', withQuery('/api/evaluations/compare', { a, b }), { signal }),
  images: (id: string, page: { skip: number; limit: number }, signal?: AbortSignal) =>
    json<EvaluationImageList>('GET', withQuery(`${evaluation(id)}/images`, { sort: 'errors', ...page }), { signal }),
  imageObjects: (id: string, imageId: string, signal?: AbortSignal) => json<EvaluationImageObjects>('GET', `${evaluation(id)}/images/${enc(imageId)}`, { signal }),
  cell: (id: string, cell: { trueClass: string; predictedClass: string; page: number }, signal?: AbortSignal) =>
    json<EvaluationCell>('GET', withQuery(`${evaluation(id)}/confusion`, { true_class: cell.trueClass, predicted_class: cell.predictedClass, page: cell.page }), { signal }),
  matches: (id: string, signal?: AbortSignal) => json<MatchIndex>('GET', `${evaluation(id)}/matches`, { signal }),
  groundTruth: (imageId: string, importId?: string | null, signal?: AbortSignal) =>
    json<ImageGroundTruth>('GET', withQuery(`/api/images/${enc(imageId)}/ground-truth`, { import_id: importId ?? undefined }), { signal }),
}

/** What was judged, in a few characters: `model@version` or `group <id>`. */
export function judgedLabel(p: Evaluation['predictions']): string {
  if (p.group_id) return `group ${p.group_id}`
  return `${p.model_name ?? '?'}@${p.model_version ?? '?'}`
}

/** The image page with an evaluation's outcomes drawn, at its confidence threshold when one is set. */
export function evaluationImageHref(imageId: string, evaluationId: string, minScore?: number | null): string {
  return withQuery(`/images/${enc(imageId)}`, { evaluation: evaluationId, min_score: minScore ? Number(minScore.toFixed(4)) : undefined })
}
