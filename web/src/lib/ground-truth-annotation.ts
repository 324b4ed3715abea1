import type { GroundTruthObject } from './evaluations-api'
import type { Annotation } from './types'

/**
 * A ground-truth object in the shape the overlay draws, so ground truth is one more layer of the
 * same scene code rather than a drawing system of its own. It is drawn by its box: every COCO
 * object has one, and a miss reads as well outlined as filled in.
 */
export function groundTruthAnnotation(o: GroundTruthObject, importedAt: string): Annotation | null {
  if (!o.bbox) return null
  const [x, y, w, h] = o.bbox
  return {
    id: o.id,
    analysis_id: o.import_id,
    annotation_type: 'bounding_box',
    class_name: o.class_name,
    confidence: null,
    data: { x_min: x, y_min: y, x_max: x + w, y_max: y + h, ground_truth: true, ...(o.iscrowd ? { iscrowd: true } : {}) },
    storage_path: null,
    ordering: null,
    key: o.coco_id,
    review_state: 'unreviewed',
    review_note: null,
    reviewed_by_id: null,
    reviewed_at: null,
    created_at: importedAt,
  }
}
