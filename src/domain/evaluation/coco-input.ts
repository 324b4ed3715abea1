import { ColumnsBuilder, type EvaluationInput } from './columns'
import { invalidEvaluationInput } from './input-error'
import type { IouType } from './params'
import { rleFromBox } from './polygon-raster'
import { type Rle, rleArea, rleBbox } from './rle'
import { type CocoSegmentation, segmentationToRle } from './segmentation'

/**
 * A COCO ground-truth file and a COCO results list turned into evaluation columns, the way
 * pycocotools' COCO(), loadRes() and COCOeval._prepare() read them. See docs/evaluation.md#coco-files.
 */

type Id = number | string

export interface CocoImage {
  id: Id
  width?: number
  height?: number
  file_name?: string
}

export interface CocoCategory {
  id: number
  name: string
}

export interface CocoAnnotation {
  id?: Id
  image_id: Id
  category_id: number
  bbox?: number[]
  area?: number
  iscrowd?: number | boolean
  segmentation?: CocoSegmentation
  keypoints?: number[]
  num_keypoints?: number
  score?: number
}

export interface CocoDataset {
  images: CocoImage[]
  annotations: CocoAnnotation[]
  categories: CocoCategory[]
}

export interface CocoEvaluationInput {
  input: EvaluationInput
  /** Image ids in evaluation order (sorted, as np.unique sorts them). */
  imageIds: Id[]
  /** Category ids in evaluation order; `input.classNames` holds their names. */
  categoryIds: number[]
  /** The `id` of each ground-truth column. */
  groundTruthIds: Id[]
  /** The position in `results` of each detection column (loadRes numbers them from 1: that id minus 1). */
  resultIndex: Int32Array
}

const sortIds = <T extends Id>(ids: T[]): T[] =>
  [...new Set(ids)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))

function box(b: number[] | undefined, what: string): [number, number, number, number] {
  if (!b || b.length < 4 || !b.slice(0, 4).every(Number.isFinite)) throw invalidEvaluationInput(`${what}: bbox must be [x, y, width, height]`)
  return [b[0]!, b[1]!, b[2]!, b[3]!]
}

function maskBox(rle: Rle): [number, number, number, number] {
  const out = new Float64Array(4)
  rleBbox(rle, out, 0)
  return [out[0]!, out[1]!, out[2]!, out[3]!]
}

/**
 * loadRes's area and box for a keypoint result: the extent of all its keypoints, including the
 * (0, 0) of unlabelled ones, as pycocotools takes min and max over every x and y.
 */
function keypointExtent(kp: number[]): { area: number; bbox: [number, number, number, number] } {
  let x0 = Infinity
  let x1 = -Infinity
  let y0 = Infinity
  let y1 = -Infinity
  for (let i = 0; i + 1 < kp.length; i += 3) {
    x0 = Math.min(x0, kp[i]!)
    x1 = Math.max(x1, kp[i]!)
    y0 = Math.min(y0, kp[i + 1]!)
    y1 = Math.max(y1, kp[i + 1]!)
  }
  return { area: (x1 - x0) * (y1 - y0), bbox: [x0, y0, x1 - x0, y1 - y0] }
}

export function cocoEvaluationInput(gt: CocoDataset, results: readonly CocoAnnotation[], iouType: IouType, keypointCount = 17): CocoEvaluationInput {
  if (!Array.isArray(gt?.images) || !Array.isArray(gt.annotations) || !Array.isArray(gt.categories)) {
    throw invalidEvaluationInput('a COCO file needs images, annotations and categories')
  }
  const imageIds = sortIds(gt.images.map((i) => i.id))
  const categoryIds = sortIds(gt.categories.map((c) => c.id))
  const imageIndex = new Map(imageIds.map((id, i) => [id, i]))
  const categoryIndex = new Map(categoryIds.map((id, i) => [id, i]))
  const images = new Map(gt.images.map((i) => [i.id, i]))
  const names = new Map(gt.categories.map((c) => [c.id, c.name]))
  const imageSize = (id: Id) => {
    const img = images.get(id)!
    if (!(Number.isInteger(img.height) && Number.isInteger(img.width))) throw invalidEvaluationInput(`image ${id} needs width and height for masks`)
    return { h: img.height!, w: img.width! }
  }
  const mask = (segm: CocoSegmentation | undefined, imageId: Id, what: string) => {
    if (!segm) throw invalidEvaluationInput(`${what}: iouType 'segm' needs a segmentation`)
    const { h, w } = Array.isArray(segm) ? imageSize(imageId) : { h: 0, w: 0 }
    return segmentationToRle(segm, h, w)
  }
  const keypoints = (kp: number[] | undefined, what: string) => {
    if (!kp || kp.length !== keypointCount * 3 || !kp.every(Number.isFinite)) throw invalidEvaluationInput(`${what}: keypoints must be ${keypointCount * 3} numbers`)
    return kp
  }

  const gtCols = new ColumnsBuilder(iouType, keypointCount)
  const groundTruthIds: Id[] = []
  gt.annotations.forEach((a, i) => {
    const image = imageIndex.get(a.image_id)
    const category = categoryIndex.get(a.category_id)
    // getAnnIds(imgIds, catIds) keeps only annotations of the file's own images and categories.
    if (image === undefined || category === undefined) return
    const what = `ground truth annotation ${a.id ?? i}`
    // The range test reads `area` and nothing else; pycocotools fails without it, so does this.
    if (!Number.isFinite(a.area)) throw invalidEvaluationInput(`${what}: area is required`)
    const m = iouType === 'segm' ? mask(a.segmentation, a.image_id, what) : undefined
    const kp = iouType === 'keypoints' ? keypoints(a.keypoints, what) : undefined
    gtCols.addGroundTruth({
      image,
      category,
      bbox: iouType === 'segm' && !a.bbox ? maskBox(m!) : box(a.bbox, what),
      area: a.area!,
      iscrowd: a.iscrowd ? 1 : 0,
      ...(m ? { mask: m } : {}),
      ...(kp ? { keypoints: kp, numKeypoints: a.num_keypoints ?? kp.filter((_, j) => j % 3 === 2 && kp[j]! > 0).length } : {}),
    })
    groundTruthIds.push(a.id ?? i + 1)
  })

  const unknown = [...new Set(results.map((r) => r.image_id).filter((id) => !imageIndex.has(id)))]
  if (unknown.length) throw invalidEvaluationInput('results refer to images that are not in the ground truth', { image_ids: unknown.slice(0, 20) })
  // loadRes picks one reading for the whole list from its first result: boxes, masks, or keypoints.
  const first = results[0]
  const kind = first?.bbox && first.bbox.length > 0 ? 'bbox' : first?.segmentation ? 'segm' : 'keypoints'
  const dtCols = new ColumnsBuilder(iouType, keypointCount)
  const resultIndex: number[] = []
  results.forEach((r, i) => {
    const category = categoryIndex.get(r.category_id)
    if (category === undefined) return
    const what = `result ${i}`
    if (!Number.isFinite(r.score)) throw invalidEvaluationInput(`${what}: score is required`)
    const image = imageIndex.get(r.image_id)!
    let bbox: [number, number, number, number]
    let area: number
    let m: Rle | undefined
    if (kind === 'bbox') {
      bbox = box(r.bbox, what)
      // A box result's area is its box, even when it also carries a mask.
      area = bbox[2] * bbox[3]
      if (iouType === 'segm') {
        if (r.segmentation) m = mask(r.segmentation, r.image_id, what)
        else {
          const { h, w } = imageSize(r.image_id)
          m = rleFromBox(bbox[0], bbox[1], bbox[2], bbox[3], h, w)
        }
      }
    } else if (kind === 'segm') {
      m = mask(r.segmentation, r.image_id, what)
      area = rleArea(m)
      bbox = r.bbox ? box(r.bbox, what) : maskBox(m)
    } else {
      const kp = keypoints(r.keypoints, what)
      ;({ area, bbox } = keypointExtent(kp))
    }
    dtCols.addDetection({
      image,
      category,
      bbox,
      area,
      score: r.score!,
      ...(iouType === 'segm' ? { mask: m ?? mask(r.segmentation, r.image_id, what) } : {}),
      ...(iouType === 'keypoints' ? { keypoints: keypoints(r.keypoints, what) } : {}),
    })
    resultIndex.push(i)
  })

  return {
    input: {
      iouType,
      imageCount: imageIds.length,
      classNames: categoryIds.map((id) => names.get(id) ?? String(id)),
      groundTruth: gtCols.groundTruth(),
      detections: dtCols.detections(),
    },
    imageIds,
    categoryIds,
    groundTruthIds,
    resultIndex: Int32Array.from(resultIndex),
  }
}
