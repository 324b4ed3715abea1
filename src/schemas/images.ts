import { z } from 'zod'
import { Timestamp, Uuid } from './common'

export const IMAGE_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const
/** `pending` until a presigned upload is completed; multipart uploads are `ready` at once. */
export const IMAGE_STATUSES = ['pending', 'ready'] as const
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024

export const AnalysisSummary = z
  .object({
    total: z.number().int(),
    queued: z.number().int(),
    processing: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    canceled: z.number().int(),
  })
  .meta({ id: 'AnalysisSummary', description: 'Counts of analyses by status, for badges' })

export const Image = z
  .object({
    id: Uuid,
    project_id: Uuid,
    filename: z.string(),
    content_type: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    status: z.enum(IMAGE_STATUSES),
    created_at: Timestamp,
    analyses: AnalysisSummary.optional(),
    url: z.string().optional().meta({ description: 'Short-lived URL for the image bytes' }),
    url_expires_at: Timestamp.optional(),
  })
  .meta({ id: 'Image' })

export const ImageList = z
  .object({ images: z.array(Image), total: z.number().int(), skip: z.number().int(), limit: z.number().int() })
  .meta({ id: 'ImageList' })

export const ImageUploadForm = z
  .object({ file: z.any().meta({ type: 'string', format: 'binary' }) })
  .meta({ id: 'ImageUploadForm' })

export const ImageUploadIntent = z
  .object({
    filename: z.string().min(1).max(255),
    content_type: z.enum(IMAGE_CONTENT_TYPES),
    bytes: z.number().int().positive().max(5 * 1024 * 1024 * 1024).optional(),
  })
  .meta({ id: 'ImageUploadIntent', example: { filename: 'scan.png', content_type: 'image/png' } })

export const ImageUploadTicket = z
  .object({
    image: Image,
    upload_url: z.string(),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()),
    expires_at: Timestamp,
  })
  .meta({ id: 'ImageUploadTicket' })
