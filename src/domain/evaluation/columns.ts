import { invalidEvaluationInput } from './input-error'
import type { IouType } from './params'
import type { Rle } from './rle'

/**
 * The evaluation's input, one typed array per field rather than one object per box: 500,000 boxes
 * cost about 30 MB this way, and several times that as objects. Objects are numbered by their
 * position; `image` and `category` are indices into the caller's own ordered lists.
 * See docs/evaluation.md#input.
 */
export interface ObjectColumns {
  count: number
  image: Int32Array
  category: Int32Array
  /** [x, y, width, height] per object. */
  bbox: Float64Array
  /**
   * Ground truth: the annotation's own `area` (a mask area for COCO files, not the box's).
   * Detections: what pycocotools' loadRes derives (box w·h, mask area, or keypoint extent).
   */
  area: Float64Array
  /** iouType 'segm' only. */
  masks?: Rle[]
  /** iouType 'keypoints' only: x, y, v for each keypoint, `keypointCount * 3` numbers per object. */
  keypoints?: Float64Array
}

export interface GroundTruthColumns extends ObjectColumns {
  iscrowd: Uint8Array
  /** iouType 'keypoints' only: the annotation's `num_keypoints` (0 makes it ignored). */
  numKeypoints?: Int32Array
}

export interface DetectionColumns extends ObjectColumns {
  score: Float64Array
}

export interface EvaluationInput {
  iouType: IouType
  /** Images in evaluation order (pycocotools sorts image ids); objects refer to them by index. */
  imageCount: number
  /** Categories in evaluation order (pycocotools sorts category ids). */
  classNames: readonly string[]
  groundTruth: GroundTruthColumns
  detections: DetectionColumns
}

export interface ObjectFields {
  image: number
  category: number
  bbox: readonly [number, number, number, number] | readonly number[]
  area: number
  mask?: Rle
  keypoints?: ArrayLike<number>
}

/** Fills columns one object at a time, growing its arrays by doubling. */
export class ColumnsBuilder {
  count = 0
  private image = new Int32Array(64)
  private category = new Int32Array(64)
  private bbox = new Float64Array(256)
  private area = new Float64Array(64)
  private extra = new Float64Array(64)
  private crowd = new Uint8Array(64)
  private numKeypoints = new Int32Array(64)
  private keypoints: Float64Array
  private masks: Rle[] = []

  constructor(
    readonly iouType: IouType,
    readonly keypointCount = 17,
  ) {
    this.keypoints = new Float64Array(iouType === 'keypoints' ? 64 * keypointCount * 3 : 0)
  }

  private grow(): void {
    const n = this.image.length * 2
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size)
      b.set(a)
      return b
    }
    this.image = grown(this.image, n)
    this.category = grown(this.category, n)
    this.bbox = grown(this.bbox, n * 4)
    this.area = grown(this.area, n)
    this.extra = grown(this.extra, n)
    this.crowd = grown(this.crowd, n)
    this.numKeypoints = grown(this.numKeypoints, n)
    if (this.iouType === 'keypoints') this.keypoints = grown(this.keypoints, n * this.keypointCount * 3)
  }

  private push(o: ObjectFields): number {
    if (this.count === this.image.length) this.grow()
    const i = this.count++
    this.image[i] = o.image
    this.category[i] = o.category
    for (let j = 0; j < 4; j++) this.bbox[i * 4 + j] = o.bbox[j]!
    this.area[i] = o.area
    if (this.iouType === 'segm') {
      if (!o.mask) throw invalidEvaluationInput(`object ${i} has no mask, which iouType 'segm' needs`)
      this.masks.push(o.mask)
    }
    if (this.iouType === 'keypoints') {
      const kp = o.keypoints
      if (!kp || kp.length !== this.keypointCount * 3) throw invalidEvaluationInput(`object ${i} needs ${this.keypointCount * 3} keypoint numbers (x, y, v)`)
      this.keypoints.set(kp, i * this.keypointCount * 3)
    }
    return i
  }

  addGroundTruth(o: ObjectFields & { iscrowd?: boolean | number; numKeypoints?: number }): number {
    const i = this.push(o)
    this.crowd[i] = o.iscrowd ? 1 : 0
    this.numKeypoints[i] = o.numKeypoints ?? 0
    return i
  }

  addDetection(o: ObjectFields & { score: number }): number {
    const i = this.push(o)
    this.extra[i] = o.score
    return i
  }

  private base(): ObjectColumns {
    const n = this.count
    return {
      count: n,
      image: this.image.slice(0, n),
      category: this.category.slice(0, n),
      bbox: this.bbox.slice(0, n * 4),
      area: this.area.slice(0, n),
      ...(this.iouType === 'segm' ? { masks: this.masks } : {}),
      ...(this.iouType === 'keypoints' ? { keypoints: this.keypoints.slice(0, n * this.keypointCount * 3) } : {}),
    }
  }

  groundTruth(): GroundTruthColumns {
    return {
      ...this.base(),
      iscrowd: this.crowd.slice(0, this.count),
      ...(this.iouType === 'keypoints' ? { numKeypoints: this.numKeypoints.slice(0, this.count) } : {}),
    }
  }

  detections(): DetectionColumns {
    return { ...this.base(), score: this.extra.slice(0, this.count) }
  }
}

/** Rejects what would make the evaluation meaningless or crash, before any work is done. */
export function validateInput(input: EvaluationInput, keypointCount: number): void {
  const { imageCount, classNames, groundTruth: gt, detections: dt } = input
  if (!(Number.isInteger(imageCount) && imageCount >= 0)) throw invalidEvaluationInput('imageCount must be a non-negative integer')
  for (const [side, cols] of [
    ['ground truth', gt],
    ['detection', dt],
  ] as const) {
    const n = cols.count
    if (cols.image.length < n || cols.category.length < n || cols.bbox.length < n * 4 || cols.area.length < n) {
      throw invalidEvaluationInput(`${side} columns are shorter than their count`)
    }
    for (let i = 0; i < n; i++) {
      const img = cols.image[i]!
      const cat = cols.category[i]!
      if (img < 0 || img >= imageCount) throw invalidEvaluationInput(`${side} ${i} refers to image ${img}, outside 0..${imageCount - 1}`)
      if (cat < 0 || cat >= classNames.length) throw invalidEvaluationInput(`${side} ${i} refers to category ${cat}, outside 0..${classNames.length - 1}`)
    }
    if (input.iouType === 'segm' && (cols.masks?.length ?? 0) < n) throw invalidEvaluationInput(`iouType 'segm' needs a mask for every ${side}`)
    if (input.iouType === 'keypoints' && (cols.keypoints?.length ?? 0) < n * keypointCount * 3) {
      throw invalidEvaluationInput(`iouType 'keypoints' needs ${keypointCount * 3} keypoint numbers for every ${side}`)
    }
  }
  for (let i = 0; i < dt.count; i++) {
    if (!Number.isFinite(dt.score[i]!)) throw invalidEvaluationInput(`detection ${i} has no finite score`)
  }
  if (gt.iscrowd.length < gt.count) throw invalidEvaluationInput('ground truth iscrowd is shorter than its count')
}
