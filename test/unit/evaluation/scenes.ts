import { type CocoAnnotation, type CocoDataset, cocoEvaluationInput, type EvaluationOptions, evaluate, type IouType } from '../../../src/domain/evaluation'

/** Small hand-made COCO scenes for tests: every box [x, y, w, h]; image 1 and class "a" unless said. */

export interface GtSpec {
  image?: number
  cls?: string
  bbox: number[]
  /** The annotation's `area`; the box's area unless given. */
  area?: number
  iscrowd?: 1
}

export interface DtSpec {
  image?: number
  cls?: string
  bbox: number[]
  score: number
}

export interface SceneOptions {
  /** Image ids in file order; default [1]. */
  images?: number[]
  /** Category names, numbered from 1 in this order; default ['a', 'b']. */
  classes?: string[]
}

export function scene(gt: GtSpec[], dt: DtSpec[], opts: SceneOptions = {}): { gt: CocoDataset; results: CocoAnnotation[] } {
  const classes = opts.classes ?? ['a', 'b']
  const cat = (name = 'a') => classes.indexOf(name) + 1
  return {
    gt: {
      images: (opts.images ?? [1]).map((id) => ({ id, width: 640, height: 480 })),
      categories: classes.map((name, i) => ({ id: i + 1, name })),
      annotations: gt.map((g, i) => ({
        id: i + 1,
        image_id: g.image ?? 1,
        category_id: cat(g.cls),
        bbox: g.bbox,
        area: g.area ?? g.bbox[2]! * g.bbox[3]!,
        iscrowd: g.iscrowd ?? 0,
      })),
    },
    results: dt.map((d) => ({ image_id: d.image ?? 1, category_id: cat(d.cls), bbox: d.bbox, score: d.score })),
  }
}

export function evaluateScene(gt: GtSpec[], dt: DtSpec[], opts: SceneOptions = {}, options: EvaluationOptions = {}, iouType: IouType = 'bbox') {
  const s = scene(gt, dt, opts)
  const coco = cocoEvaluationInput(s.gt, s.results, iouType)
  return { ...evaluate(coco.input, options), coco }
}

/** 1 / (1 + eps): pycocotools' precision for a perfect detector, tp / (tp + fp + np.spacing(1)). */
export const PERFECT = 1 / (1 + Number.EPSILON)
