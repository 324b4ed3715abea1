/**
 * What became of every object at the match IoU threshold (0.5 unless set), for the viewer's TP, FP
 * and FN styles, the confusion matrix's cells and the live threshold. Kept as typed columns, one
 * entry per input object; `objectRows` turns them into JSON rows for storage.
 * See docs/evaluation.md#per-object-outcomes.
 */

export const OUTCOME_IGNORED = 0
export const OUTCOME_TP = 1
export const OUTCOME_FP = 2
export const OUTCOME_FN = 3
export const OUTCOME_NAMES = ['ignored', 'tp', 'fp', 'fn'] as const
export type OutcomeName = (typeof OUTCOME_NAMES)[number]

/** `confusion` value of an object the matrix leaves out (ignored, or below its score cut). */
export const NOT_IN_MATRIX = -2
/** `confusion` value of an object paired with background. */
export const BACKGROUND = -1

export interface DetectionOutcomes {
  status: Uint8Array
  /** The matched ground truth (a crowd region too, then `ignored`), or -1. */
  gt: Int32Array
  /** IoU with the matched ground truth, NaN when unmatched. */
  iou: Float64Array
  /** The highest IoU with any ground truth it was compared to (same class, same image): tells a
   * badly placed box (FP at 0.45) from a hallucinated one (FP at 0). 0 when there was none. */
  maxIou: Float64Array
  /** The ground truth it is counted against in the confusion matrix, BACKGROUND or NOT_IN_MATRIX. */
  confusion: Int32Array
}

export interface GroundTruthOutcomes {
  status: Uint8Array
  /** The detection that matched it, or -1 (for a crowd region: the last one that fell in it). */
  dt: Int32Array
  iou: Float64Array
  /** The detection it is counted against in the confusion matrix, BACKGROUND or NOT_IN_MATRIX. */
  confusion: Int32Array
}

export interface ObjectOutcomes {
  iouThreshold: number
  detections: DetectionOutcomes
  groundTruth: GroundTruthOutcomes
}

export function createOutcomes(iouThreshold: number, dtCount: number, gtCount: number): ObjectOutcomes {
  return {
    iouThreshold,
    detections: {
      status: new Uint8Array(dtCount),
      gt: new Int32Array(dtCount).fill(-1),
      iou: new Float64Array(dtCount).fill(NaN),
      maxIou: new Float64Array(dtCount),
      confusion: new Int32Array(dtCount).fill(NOT_IN_MATRIX),
    },
    groundTruth: {
      status: new Uint8Array(gtCount),
      dt: new Int32Array(gtCount).fill(-1),
      iou: new Float64Array(gtCount).fill(NaN),
      confusion: new Int32Array(gtCount).fill(NOT_IN_MATRIX),
    },
  }
}

export interface ObjectRow<Id> {
  kind: 'detection' | 'ground_truth'
  id: Id
  class_name: string
  score: number | null
  status: OutcomeName
  matched_id: Id | null
  iou: number | null
  /** Detections only: see `DetectionOutcomes.maxIou`. */
  max_iou: number | null
  /** The confusion-matrix cell: [true class, predicted class], "background" for none; null if left out. */
  cell: [string, string] | null
}

export interface ObjectRowSource<Id> {
  classNames: readonly string[]
  gtCategory: Int32Array
  dtCategory: Int32Array
  dtScore: Float64Array
  gtIds: (i: number) => Id
  dtIds: (i: number) => Id
}

const finite = (v: number) => (Number.isNaN(v) ? null : v)

/** Every object's outcome as a JSON row, detections first; a generator, so 500,000 rows need not coexist. */
export function* objectRows<Id>(outcomes: ObjectOutcomes, src: ObjectRowSource<Id>): Generator<ObjectRow<Id>> {
  const { detections: d, groundTruth: g } = outcomes
  const name = (k: number) => src.classNames[k]!
  const background = 'background'
  for (let i = 0; i < d.status.length; i++) {
    const c = d.confusion[i]!
    yield {
      kind: 'detection',
      id: src.dtIds(i),
      class_name: name(src.dtCategory[i]!),
      score: src.dtScore[i]!,
      status: OUTCOME_NAMES[d.status[i]!]!,
      matched_id: d.gt[i]! >= 0 ? src.gtIds(d.gt[i]!) : null,
      iou: finite(d.iou[i]!),
      max_iou: d.maxIou[i]!,
      cell: c === NOT_IN_MATRIX ? null : [c === BACKGROUND ? background : name(src.gtCategory[c]!), name(src.dtCategory[i]!)],
    }
  }
  for (let i = 0; i < g.status.length; i++) {
    const c = g.confusion[i]!
    yield {
      kind: 'ground_truth',
      id: src.gtIds(i),
      class_name: name(src.gtCategory[i]!),
      score: null,
      status: OUTCOME_NAMES[g.status[i]!]!,
      matched_id: g.dt[i]! >= 0 ? src.dtIds(g.dt[i]!) : null,
      iou: finite(g.iou[i]!),
      max_iou: null,
      cell: c === NOT_IN_MATRIX ? null : [name(src.gtCategory[i]!), c === BACKGROUND ? background : name(src.dtCategory[c]!)],
    }
  }
}
