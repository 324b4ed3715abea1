import { and, count, eq } from 'drizzle-orm'
import type { DataAccess } from '../../db/client'
import { completedAnalyses, importImages, acceptedClassNames, projectImageRows, reviewedImageIds } from '../../db/evaluation-sql'
import { analyses, annotations, groundTruthImports } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import type { EvaluationCreate, GroundTruthSource } from '../../schemas/evaluations'
import { COCO_KEYPOINT_SIGMAS, type EvaluationOptions, type IouType } from '../evaluation'
import { resolveParams } from '../evaluation/params'
import { categoryNames, latestImport } from '../ground-truth/imports'
import { EVALUATED_TYPES } from './geometry'

/**
 * What an evaluation judges: which images, which analysis on each, which ground truth and which
 * classes, worked out from the request before anything is loaded. See docs/evaluation.md#api.
 */

/** COCO's 17 person keypoints, in the order its sigmas are listed. */
export const COCO_KEYPOINT_NAMES = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
  'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
] as const

export interface ScopeImage {
  id: string
  filename: string
  width: number | null
  height: number | null
  /** The size the COCO file gives the image, which its polygons are drawn at. */
  cocoWidth: number | null
  cocoHeight: number | null
  /** The image's id in the COCO file, which orders the evaluation as pycocotools orders it. */
  cocoImageId: string | null
  /** The analysis judged on this image, or null when none of the selection completed on it. */
  analysisId: string | null
}

export interface EvaluationPlan {
  iouType: IouType
  source: GroundTruthSource
  importId: string | null
  categoryNames: Map<number, string>
  classNames: string[]
  keypointNames: readonly string[]
  images: ScopeImage[]
  options: EvaluationOptions
  /** Ground truth and predictions to load, before any is read: decides where the evaluation runs. */
  objects: number
}

export async function planEvaluation({ db, d1 }: DataAccess, projectId: string, req: EvaluationCreate): Promise<EvaluationPlan> {
  const iouType = req.iou_type
  const source = req.ground_truth.source
  const usesImport = source !== 'reviews'
  const imported = usesImport
    ? req.ground_truth.import_id
      ? await db.select().from(groundTruthImports).where(and(eq(groundTruthImports.id, req.ground_truth.import_id), eq(groundTruthImports.projectId, projectId))).get()
      : await latestImport(db, projectId)
    : null
  if (usesImport && !imported) {
    if (req.ground_truth.import_id) throw notFound('Ground-truth import')
    throw new AppError(409, 'conflict', 'The project has no ground truth yet: import a COCO file, or evaluate against reviews')
  }
  if (imported && imported.status !== 'complete') throw new AppError(409, 'conflict', 'That ground-truth import has not finished')

  const chosen = new Map<string, { id: string; count: number }>()
  for (const a of await completedAnalyses(d1, projectId, req.predictions)) {
    if (!chosen.has(a.image_id)) chosen.set(a.image_id, { id: a.id, count: a.annotation_count })
  }
  if (!chosen.size) {
    const what = 'group_id' in req.predictions ? `group ${req.predictions.group_id}` : `${req.predictions.model_name}@${req.predictions.model_version}`
    throw new AppError(409, 'conflict', `No completed analysis of ${what} in this project`)
  }

  const gtImages = new Map<string, { w: number | null; h: number | null; coco: string | null }>()
  if (imported) for (const r of await importImages(d1, imported.id)) gtImages.set(r.image_id, { w: r.width, h: r.height, coco: r.coco_image_id })
  if (source !== 'import') for (const id of await reviewedImageIds(d1, projectId)) if (!gtImages.has(id)) gtImages.set(id, { w: null, h: null, coco: null })

  const rows = new Map((await projectImageRows(d1, projectId)).map((r) => [r.id, r]))
  const images: ScopeImage[] = []
  for (const [id, size] of gtImages) {
    const row = rows.get(id)
    const analysis = chosen.get(id)
    if (!row || (req.images === 'predicted' && !analysis)) continue
    images.push({ id, filename: row.filename, width: row.width, height: row.height, cocoWidth: size.w, cocoHeight: size.h, cocoImageId: size.coco, analysisId: analysis?.id ?? null })
  }
  images.sort(evaluationOrder)

  const names = imported ? categoryNames(imported) : new Map<number, string>()
  const known = [...new Set(names.values())]
  if (source !== 'import') for (const n of await acceptedClassNames(d1, projectId, EVALUATED_TYPES[iouType])) if (!known.includes(n)) known.push(n)
  const classNames = req.classes ? [...new Set(req.classes)] : known
  if (!classNames.length) throw new AppError(409, 'conflict', 'The ground truth has no classes to evaluate')

  const keypointNames = iouType === 'keypoints' ? keypointSchema(imported?.categories ?? [], classNames) : []
  const keypointSigmas = req.keypoint_sigmas ?? (keypointNames.length === COCO_KEYPOINT_SIGMAS.length ? undefined : null)
  if (iouType === 'keypoints' && keypointSigmas === null) {
    throw new AppError(400, 'validation_error', `keypoint_sigmas is required: these keypoints (${keypointNames.length}) are not COCO's 17`, { path: ['keypoint_sigmas'] })
  }
  if (iouType === 'keypoints' && keypointSigmas && keypointSigmas.length !== keypointNames.length) {
    throw new AppError(400, 'validation_error', `keypoint_sigmas needs one sigma per keypoint (${keypointNames.length})`, { path: ['keypoint_sigmas'] })
  }
  const options: EvaluationOptions = {
    ...(req.iou_thresholds ? { iouThresholds: req.iou_thresholds } : {}),
    ...(req.max_dets ? { maxDets: req.max_dets } : {}),
    ...(req.area_ranges ? { areaRanges: req.area_ranges } : {}),
    ...(req.use_cats !== undefined ? { useCats: req.use_cats } : {}),
    ...(req.match_iou_threshold !== undefined ? { matchIouThreshold: req.match_iou_threshold } : {}),
    ...(keypointSigmas ? { keypointSigmas } : {}),
  }
  resolveParams(iouType, options)

  let objects = imported?.objectCount ?? 0
  for (const im of images) if (im.analysisId) objects += chosen.get(im.id)!.count
  if (source !== 'import') objects += await acceptedCount(db, projectId)
  return { iouType, source, importId: imported?.id ?? null, categoryNames: names, classNames, keypointNames, images, options, objects }
}

const INTEGER = /^-?\d{1,15}$/
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Images in the order pycocotools evaluates them, sorted by COCO image id (numerically, as its ids
 * are numbers): score ties between images are broken in this order, so AP depends on it. Images
 * known only from reviews follow, by id.
 */
function evaluationOrder(a: ScopeImage, b: ScopeImage): number {
  if (a.cocoImageId === null || b.cocoImageId === null) {
    if (a.cocoImageId !== b.cocoImageId) return a.cocoImageId === null ? 1 : -1
    return compare(a.id, b.id)
  }
  if (INTEGER.test(a.cocoImageId) && INTEGER.test(b.cocoImageId)) return Number(a.cocoImageId) - Number(b.cocoImageId) || compare(a.id, b.id)
  return compare(a.cocoImageId, b.cocoImageId) || compare(a.id, b.id)
}

/** The keypoint names of the evaluated categories (they must agree), or COCO's 17. */
function keypointSchema(categories: { name: string; keypoints?: string[] }[], classes: string[]): readonly string[] {
  const named = categories.filter((c) => classes.includes(c.name) && c.keypoints?.length)
  const first = named[0]?.keypoints
  if (!first) return COCO_KEYPOINT_NAMES
  if (named.some((c) => c.keypoints!.join('\n') !== first.join('\n'))) {
    throw new AppError(400, 'validation_error', 'The evaluated categories name different keypoints; evaluate them one class at a time', { path: ['classes'] })
  }
  return first
}

async function acceptedCount(db: DataAccess['db'], projectId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(annotations)
    .innerJoin(analyses, eq(analyses.id, annotations.analysisId))
    .where(and(eq(analyses.projectId, projectId), eq(annotations.reviewState, 'accepted')))
    .get()
  return row?.n ?? 0
}
