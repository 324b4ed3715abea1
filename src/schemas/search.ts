import { z } from 'zod'
import { Analysis, Annotation, ReviewState } from './analyses'
import { ANNOTATION_TYPES } from './annotation-types'
import { Timestamp } from './common'
import { RUN_STATUSES } from './runs'

/**
 * Project-wide search (docs/search.md): a project's analyses with filters and sorts, and its
 * annotations by class. Both page with an opaque cursor, so a page never shifts under a pipeline
 * that keeps writing.
 */

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString())

/** `status=queued,processing` or a repeated `status`: any of them. */
const statusList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.enum(RUN_STATUSES)).min(1).max(RUN_STATUSES.length))
  .meta({ description: `Any of: ${RUN_STATUSES.join(', ')} (comma-separated or repeated)` })

export const ANALYSIS_SORTS = ['created_at', 'completed_at', 'duration', 'annotation_count'] as const

export const ProjectAnalysisQuery = z.object({
  status: statusList.optional(),
  model_name: z.string().min(1).max(200).optional(),
  model_version: z.string().min(1).max(200).optional(),
  group_id: z.string().min(1).max(256).optional(),
  created_after: instant.optional().meta({ description: 'Created at or after this instant' }),
  created_before: instant.optional().meta({ description: 'Created strictly before this instant' }),
  completed_after: instant.optional().meta({ description: 'Finished (completed, failed or canceled) at or after this instant' }),
  completed_before: instant.optional().meta({ description: 'Finished strictly before this instant' }),
  has_class: z.string().min(1).max(256).optional().meta({ description: 'Has at least one annotation of this class' }),
  min_confidence: z.coerce.number().min(0).max(1).optional().meta({ description: 'Has at least one annotation at least this confident' }),
  review_state: ReviewState.optional().meta({ description: 'Has at least one annotation in this review state' }),
  sort: z.enum(ANALYSIS_SORTS).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
  with_total: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .meta({ description: 'Also count every match (one more query over the whole filter)' }),
})
export type ProjectAnalysisQuery = z.infer<typeof ProjectAnalysisQuery>

export const ProjectAnalysisPage = z
  .object({
    analyses: z.array(Analysis.extend({ duration_ms: z.number().nullable().meta({ description: 'completed_at − started_at' }) })),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` with the same filters and sort for the next page; null on the last page' }),
    total: z.number().int().nullable().meta({ description: 'Every match, when `with_total=true`' }),
  })
  .meta({ id: 'ProjectAnalysisPage' })

export const AnnotationSearchQuery = z.object({
  class_name: z.string().min(1).max(256),
  annotation_type: z.enum(ANNOTATION_TYPES).optional(),
  min_confidence: z.coerce.number().min(0).max(1).optional(),
  review_state: ReviewState.optional(),
  model_name: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(500).optional(),
})
export type AnnotationSearchQuery = z.infer<typeof AnnotationSearchQuery>

export const AnnotationHit = Annotation.extend({
  image_id: z.uuid(),
  model_name: z.string(),
  model_version: z.string(),
  analysis_created_at: Timestamp,
}).meta({ id: 'AnnotationHit' })

export const AnnotationSearchPage = z
  .object({ annotations: z.array(AnnotationHit), next_cursor: z.string().nullable() })
  .meta({ id: 'AnnotationSearchPage' })
