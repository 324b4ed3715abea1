import type { Analysis, Annotation } from './types'

/** Builders for tests: complete API objects with only the fields a test cares about spelled out. */

let n = 0
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`

export function analysisFixture(over: Partial<Analysis> = {}): Analysis {
  return {
    id: uuid(),
    image_id: uuid(),
    project_id: uuid(),
    model_name: 'yolo_v8',
    model_version: '1.0.0',
    status: 'processing',
    error_message: null,
    parameters: null,
    provenance: null,
    requested_by_id: null,
    external_job_id: null,
    priority: 0,
    group_id: null,
    model_version_id: null,
    job_id: null,
    progress: 0,
    stage: null,
    annotation_count: 0,
    version: 1,
    created_at: '2025-01-15T10:30:00.000Z',
    started_at: null,
    completed_at: null,
    updated_at: null,
    ...over,
  }
}

export function annotationFixture(over: Partial<Annotation> = {}): Annotation {
  return {
    id: uuid(),
    analysis_id: uuid(),
    annotation_type: 'bounding_box',
    class_name: 'person',
    confidence: 0.9,
    data: { x_min: 10, y_min: 10, x_max: 60, y_max: 80 },
    storage_path: null,
    ordering: null,
    key: null,
    review_state: 'unreviewed',
    review_note: null,
    reviewed_by_id: null,
    reviewed_at: null,
    created_at: '2025-01-15T10:30:00.000Z',
    ...over,
  }
}

export function boxFixture(x0: number, y0: number, x1: number, y1: number, over: Partial<Annotation> = {}): Annotation {
  return annotationFixture({ data: { x_min: x0, y_min: y0, x_max: x1, y_max: y1 }, ...over })
}
