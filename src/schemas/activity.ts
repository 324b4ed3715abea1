import { z } from 'zod'
import { Timestamp } from './common'

export const ACTIVITY_BUCKETS = ['hour', 'day'] as const

export const ActivityQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(7).meta({ description: 'How far back, ending now' }),
  bucket: z.enum(ACTIVITY_BUCKETS).optional().meta({ description: 'Default: `hour` up to 3 days, `day` past that' }),
})

const Series = z.array(z.number().int())
const Quantiles = z
  .object({ p50: z.array(z.number().nullable()), p95: z.array(z.number().nullable()) })
  .meta({ description: 'Seconds, estimated from histogram buckets as Prometheus’ histogram_quantile does; null where nothing finished' })

export const ProjectActivity = z
  .object({
    bucket: z.enum(ACTIVITY_BUCKETS),
    from: Timestamp,
    to: Timestamp,
    buckets: z.array(Timestamp).meta({ description: 'The start of each bucket, UTC; every series has one value per bucket' }),
    analyses: z.object({ created: Series, completed: Series, failed: Series, canceled: Series }),
    queue_wait_seconds: Quantiles.meta({ description: 'Of analyses started in the bucket: creation to start' }),
    processing_seconds: Quantiles.meta({ description: 'Of analyses finished in the bucket: start to finish' }),
    jobs: z.object({ created: Series, completed: Series, failed: Series }),
    deliveries: z.object({ delivered: Series, failed: Series }).meta({ description: 'Webhook delivery attempts; `failed` counts failed, gone and dead' }),
    models: z
      .array(z.object({ model_name: z.string(), model_version: z.string(), completed: Series, failed: Series }))
      .meta({ description: 'Finished analyses per model version, most active first (at most 10)' }),
  })
  .meta({ id: 'ProjectActivity' })
