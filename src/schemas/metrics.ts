import { z } from 'zod'
import { Timestamp } from './common'

/** Metric points of a job: loss per epoch, learning rate, mAP, throughput (docs/jobs.md#metrics). */
export const MAX_METRIC_POINTS_PER_REQUEST = 1000
export const MAX_METRIC_NAMES_PER_JOB = 100

export const MetricName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.\-/@]+$/, 'letters, digits and . _ - / @ only, e.g. train/loss')

export const MetricPointInput = z
  .object({
    name: MetricName,
    step: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    value: z.number().refine(Number.isFinite, 'must be a finite number'),
    epoch: z.number().int().min(0).optional(),
    at: z.iso.datetime({ offset: true }).optional().meta({ description: 'When it was measured; the time it arrived when left out' }),
  })
  .meta({ id: 'MetricPointInput' })
export type MetricPointInput = z.infer<typeof MetricPointInput>

export const MetricsRequest = z
  .object({ points: z.array(MetricPointInput).min(1).max(MAX_METRIC_POINTS_PER_REQUEST) })
  .meta({
    id: 'MetricsRequest',
    description: 'Posting a point again for the same name and step replaces it, so retries are safe',
    example: { points: [{ name: 'train/loss', step: 3, epoch: 3, value: 0.412 }, { name: 'lr', step: 3, value: 0.05 }] },
  })

export const MetricsAccepted = z
  .object({ accepted: z.number().int(), names: z.array(z.string()) })
  .meta({ id: 'MetricsAccepted' })

export const MetricPoint = z
  .object({
    step: z.number().int().meta({ description: 'Downsampled: the last step of the bucket' }),
    value: z.number().meta({ description: 'Downsampled: the value at that step' }),
    epoch: z.number().int().nullable(),
    at: Timestamp,
    min: z.number().optional().meta({ description: 'Downsampled only: the bucket’s smallest value' }),
    max: z.number().optional(),
    mean: z.number().optional(),
    count: z.number().int().optional(),
  })
  .meta({ id: 'MetricPoint' })
export type MetricPoint = z.infer<typeof MetricPoint>

export const MetricSeries = z
  .object({
    name: z.string(),
    count: z.number().int().meta({ description: 'Points in the range asked for' }),
    first_step: z.number().int().nullable(),
    last: MetricPoint.nullable().meta({ description: 'The latest point of the whole series' }),
    min: z.number().nullable(),
    max: z.number().nullable(),
    downsampled: z.boolean(),
    points: z.array(MetricPoint),
    next_after_step: z.number().int().nullable().meta({ description: 'Raw pages only: pass as `after_step` for the next page' }),
  })
  .meta({ id: 'MetricSeries' })
export type MetricSeries = z.infer<typeof MetricSeries>

export const MetricsResponse = z.object({ series: z.array(MetricSeries) }).meta({ id: 'MetricsResponse' })

export const MetricsQuery = z.object({
  name: MetricName.optional().meta({ description: 'One series; every series when left out' }),
  after_step: z.coerce.number().int().min(-1).default(-1).meta({ description: 'Only points with a larger step: for polling and paging' }),
  max_points: z.coerce.number().int().min(2).max(10_000).default(500),
  downsample: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true')
    .meta({ description: '`true`: a longer series comes back as `max_points` buckets; `false`: raw points, a page of `max_points` at a time' }),
})
export type MetricsQuery = z.infer<typeof MetricsQuery>
