import { z } from 'zod'
import { AnalysisSummary } from './images'
import { Job } from './jobs'
import { ModelVersion, ReviewCounts } from './model-versions'

/** One answer to "where does this project stand": images, analyses, reviews, models and jobs. */
export const ModelSummary = z
  .object({
    name: z.string(),
    registered_versions: z.number().int(),
    analyses: z.number().int(),
    versions: z.array(ModelVersion).meta({ description: 'The latest registered versions, newest first (up to 5), each with its metrics' }),
  })
  .meta({ id: 'ModelSummary' })

export const ProjectStatus = z
  .object({
    project_id: z.string(),
    images: z.object({ total: z.number().int(), ready: z.number().int(), pending: z.number().int() }),
    analyses: AnalysisSummary,
    reviews: ReviewCounts.extend({ pending: z.number().int().meta({ description: 'Annotations nobody has reviewed yet (`unreviewed`)' }) }),
    models: z.array(ModelSummary),
    job_concurrency: z.number().int(),
    running_jobs: z.array(Job).meta({ description: 'Jobs holding a slot' }),
    waiting_jobs: z.number().int(),
    recent_jobs: z.array(Job).meta({ description: 'The last ten jobs, newest first' }),
  })
  .meta({ id: 'ProjectStatus' })
