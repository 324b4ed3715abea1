import { ANNOTATION_TYPE_LABELS } from './annotation-types'
import type { ModelRef } from './model-ref'
import type { AnnotationType, BulkReviewRequest, ReviewBatch } from './types'

/** What the bulk-accept form holds: an empty class means every class, no types every type. */
export interface BulkForm {
  className: string
  types: readonly AnnotationType[]
  minConfidence: number
}

export const DEFAULT_BULK_FORM: BulkForm = { className: '', types: [], minConfidence: 0.9 }

/** The request for one bulk accept; "every class" and "every type" are the server's defaults, so they are left out. */
export function bulkRequest(model: ModelRef, form: BulkForm): BulkReviewRequest {
  const className = form.className.trim()
  return {
    model_name: model.model_name,
    model_version: model.model_version,
    min_confidence: Math.min(1, Math.max(0, form.minConfidence)),
    ...(className ? { class_name: className } : {}),
    ...(form.types.length > 0 ? { annotation_types: [...form.types] } : {}),
  }
}

/** One line for the history: `det@2 · dog · Boxes · ≥ 0.80`. */
export function describeBatch(filter: ReviewBatch['filter']): string {
  const parts = [`${filter.model_name}@${filter.model_version}`, filter.class_name ?? 'every class']
  parts.push(filter.annotation_types?.length ? filter.annotation_types.map((t) => ANNOTATION_TYPE_LABELS[t] ?? t).join(', ') : 'every type')
  parts.push(`≥ ${filter.min_confidence.toFixed(2)}`)
  return parts.join(' · ')
}

/** Only a batch nobody has taken back yet can be undone; the server answers 409 to a second undo. */
export const canUndoBatch = (batch: Pick<ReviewBatch, 'undone_at'>): boolean => batch.undone_at === null
