import { z } from 'zod'
import { Timestamp } from './common'

export const ARTIFACT_TYPES = ['heatmap', 'mask', 'segmentation', 'log', 'metadata', 'model', 'other'] as const
export const ArtifactType = z.enum(ARTIFACT_TYPES).meta({ id: 'ArtifactType' })
export type ArtifactType = z.infer<typeof ArtifactType>

/** The seed's mapping; types without a fixed content type take the caller's or a binary default. */
export const ARTIFACT_CONTENT_TYPES: Partial<Record<ArtifactType, string>> = {
  heatmap: 'image/png',
  mask: 'image/png',
  segmentation: 'image/png',
  log: 'text/plain',
  metadata: 'application/json',
}

export const ARTIFACT_STATUSES = ['pending', 'uploaded'] as const

export const MAX_ARTIFACT_BYTES = 5 * 1024 * 1024 * 1024

export const PresignRequest = z
  .object({
    artifact_type: ArtifactType,
    filename: z.string().min(1),
    content_type: z.string().min(1).max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like image/png').optional(),
    content_length: z.number().int().nonnegative().max(MAX_ARTIFACT_BYTES).optional(),
  })
  .meta({ id: 'PresignRequest', example: { artifact_type: 'heatmap', filename: 'attention_map.png' } })

export const PresignResponse = z
  .object({
    upload_url: z.string(),
    storage_path: z.string().meta({ example: 'ml_outputs/7c9e6679-7425-40de-944b-e07fc1f90ae7/attention_map.png' }),
    expires_at: Timestamp,
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()).meta({ description: 'Send these headers with the PUT', example: { 'Content-Type': 'image/png' } }),
  })
  .meta({ id: 'PresignResponse' })

export const DownloadQuery = z.object({ storage_path: z.string().min(1).max(1024) })

export const DownloadResponse = z
  .object({ download_url: z.string(), expires_at: Timestamp })
  .meta({ id: 'DownloadResponse' })

export const Artifact = z
  .object({
    id: z.string(),
    analysis_id: z.string(),
    artifact_type: ArtifactType,
    filename: z.string(),
    storage_path: z.string(),
    content_type: z.string(),
    status: z.enum(ARTIFACT_STATUSES),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    created_at: Timestamp,
    uploaded_at: Timestamp.nullable(),
  })
  .meta({ id: 'Artifact' })
export type Artifact = z.infer<typeof Artifact>
