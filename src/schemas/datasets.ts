import { z } from 'zod'
import { Timestamp, Uuid } from './common'

/**
 * Dataset snapshots: a project's export frozen into R2 once and referenced by its SHA-256, so a
 * training run can always be traced to the exact bytes it learned from (docs/jobs.md).
 */
export const DATASET_FORMATS = ['coco', 'yolo'] as const
export const DATASET_STATUSES = ['pending', 'ready', 'failed'] as const
export const DATASET_REVIEWS = ['accepted', 'any'] as const

export const DatasetRequest = z
  // The reuse form goes first: the freeze form has no required field, so it would take `{snapshot_id}` and strip the id.
  .union([
    z.object({ snapshot_id: Uuid.meta({ description: 'Reuse a snapshot of this project, byte for byte' }) }),
    z.object({
      format: z.enum(DATASET_FORMATS).default('coco'),
      model: z.string().trim().min(1).max(200).optional().meta({ description: 'Each image’s latest completed analysis by this model; any model when left out' }),
      review: z.enum(DATASET_REVIEWS).default('accepted').meta({ description: '`accepted` (the default): only annotations a reviewer accepted' }),
    }),
  ])
  .meta({ id: 'DatasetRequest', example: { format: 'coco', model: 'yolo_v8', review: 'accepted' } })
export type DatasetRequest = z.infer<typeof DatasetRequest>

export const SnapshotSource = z.object({
  model_version_id: Uuid.nullable(),
  model_name: z.string(),
  model_version: z.string(),
  analyses: z.number().int(),
})

export const DatasetSnapshot = z
  .object({
    id: Uuid,
    project_id: Uuid,
    job_id: Uuid.nullable().meta({ description: 'The job whose creation froze it' }),
    format: z.enum(DATASET_FORMATS),
    model_name: z.string().nullable(),
    review: z.enum(DATASET_REVIEWS),
    status: z.enum(DATASET_STATUSES),
    sha256: z.string().nullable().meta({ description: 'SHA-256 of the zip, hex; set once it is ready and never again' }),
    bytes: z.number().int().nullable(),
    image_count: z.number().int().nullable(),
    sources: z.array(SnapshotSource).nullable().meta({ description: 'Which model versions’ analyses label its images' }),
    error_message: z.string().nullable(),
    created_at: Timestamp,
    frozen_at: Timestamp.nullable(),
  })
  .meta({ id: 'DatasetSnapshot' })
export type DatasetSnapshot = z.infer<typeof DatasetSnapshot>

export const DatasetSnapshotList = z.object({ snapshots: z.array(DatasetSnapshot), total: z.number().int() }).meta({ id: 'DatasetSnapshotList' })
