import { z } from 'zod'
import { Analysis } from './analyses'
import { AnnotationInput } from './annotation-types'
import { JsonObject, Timestamp, Uuid } from './common'
import { DatasetSnapshot } from './datasets'
import { BatchSummary, Job } from './jobs'
import { ModelArtifact, ModelVersion } from './model-versions'

/** What a pipeline reads and writes while it runs a job (docs/jobs.md#the-wire-contract). */

export const MAX_BATCH_RESULT_ITEMS = 100

export const InputsRequest = z.object({}).meta({ id: 'InputsRequest', description: 'An empty object: the signature covers `{}`' })

const withUrl = { download_url: z.string(), expires_at: Timestamp }

export const JobInputsResponse = z
  .object({
    job: Job,
    dataset: DatasetSnapshot.extend({ download_url: z.string().nullable(), expires_at: Timestamp.nullable() })
      .nullable()
      .meta({ description: 'The frozen snapshot; no URL until its status is `ready`' }),
    model_version: ModelVersion.extend({ artifacts: z.array(ModelArtifact.extend({ download_url: z.string().nullable() })) })
      .nullable()
      .meta({ description: 'The registered version the job applies, each stored artifact with a short-lived URL' }),
  })
  .meta({ id: 'JobInputsResponse' })

export const BatchImagesRequest = z
  .object({
    cursor: z.string().max(40).optional().meta({ description: '`next_cursor` of the previous page' }),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .meta({ id: 'BatchImagesRequest', example: { limit: 100 } })

export const BatchImage = z
  .object({
    id: Uuid,
    filename: z.string(),
    content_type: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    ...withUrl,
    analysis: z
      .object({ id: Uuid, status: Analysis.shape.status })
      .nullable()
      .meta({ description: 'The batch’s analysis of this image so far: a restarted pipeline skips the finished ones' }),
  })
  .meta({ id: 'BatchImage' })

export const BatchImagesPage = z
  .object({ images: z.array(BatchImage), total: z.number().int(), next_cursor: z.string().nullable() })
  .meta({ id: 'BatchImagesPage' })

export const BatchResultItem = z.object({
  image_id: Uuid,
  annotations: z.array(AnnotationInput).optional().meta({ description: 'Appended to the image’s analysis; identical re-posts store nothing' }),
  status: z.enum(['completed', 'failed']).optional().meta({ description: 'Finish the image’s analysis; left open, keep working on it with the analysis callbacks' }),
  error_message: z.string().max(10_000).optional(),
  parameters: JsonObject.optional(),
  provenance: JsonObject.optional(),
})
export type BatchResultItem = z.infer<typeof BatchResultItem>

export const BatchResultsRequest = z
  .object({ items: z.array(BatchResultItem).min(1).max(MAX_BATCH_RESULT_ITEMS) })
  .meta({
    id: 'BatchResultsRequest',
    example: {
      items: [
        {
          image_id: '3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10',
          status: 'completed',
          annotations: [{ annotation_type: 'bounding_box', class_name: 'person', confidence: 0.81, data: { x_min: 10, y_min: 20, x_max: 110, y_max: 220 } }],
        },
      ],
    },
  })

export const BatchResult = z.object({
  image_id: Uuid,
  analysis: Analysis.nullable(),
  created: z.boolean().meta({ description: 'This request created the image’s analysis' }),
  annotations: z.object({ created: z.number().int(), duplicates: z.number().int() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable().meta({ description: 'This item failed (e.g. its analysis was canceled); the others stand' }),
})

export const BatchResultsResponse = z.object({ results: z.array(BatchResult), batch: BatchSummary }).meta({ id: 'BatchResultsResponse' })

export const BatchExportQuery = z.object({
  format: z.enum(['coco', 'yolo']).default('coco'),
  review: z.enum(['accepted', 'any']).default('any'),
})
