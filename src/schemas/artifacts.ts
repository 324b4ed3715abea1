import { z } from 'zod'
import { Timestamp } from './common'

export const ARTIFACT_TYPES = ['heatmap', 'mask', 'segmentation', 'log', 'metadata', 'model', 'other'] as const
export const ArtifactType = z.enum(ARTIFACT_TYPES).meta({ id: 'ArtifactType' })
export type ArtifactType = z.infer<typeof ArtifactType>

const RASTER_IMAGES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif', 'image/bmp', 'image/tiff'] as const

/**
 * Types a browser shows as data, never runs: no HTML, XML or SVG (which carry script), no
 * JavaScript, CSS or PDF. Artifacts are served from Loupe's origin, so active content there would
 * be stored cross-site scripting; see docs/security.md.
 */
const PASSIVE = [
  'application/octet-stream',
  'application/zip',
  'application/gzip',
  'application/x-tar',
  'application/x-7z-compressed',
  'application/zstd',
  'application/json',
  'application/x-ndjson',
  'application/yaml',
  'application/vnd.apache.parquet',
  'application/x-npy',
  'application/x-hdf5',
  'application/x-protobuf',
  'application/onnx',
  'text/plain',
  'text/csv',
  'text/tab-separated-values',
  'text/markdown',
  ...RASTER_IMAGES,
  'video/mp4',
  'video/webm',
  'audio/wav',
  'audio/mpeg',
] as const

/**
 * The content types each artifact type may hold; the first is the default. The guide fixes the
 * image, log and metadata types; masks stay lossless PNG, heatmaps may be any raster image.
 */
export const ARTIFACT_CONTENT_TYPES: Record<ArtifactType, readonly [string, ...string[]]> = {
  heatmap: ['image/png', 'image/jpeg', 'image/webp'],
  mask: ['image/png'],
  segmentation: ['image/png'],
  log: ['text/plain'],
  metadata: ['application/json'],
  model: PASSIVE,
  other: PASSIVE,
}

export const ARTIFACT_STATUSES = ['pending', 'uploaded'] as const

export const MAX_ARTIFACT_BYTES = 5 * 1024 * 1024 * 1024

export const PresignRequest = z
  .object({
    artifact_type: ArtifactType,
    filename: z.string().min(1),
    content_type: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type like image/png')
      .toLowerCase()
      .optional()
      .meta({ description: 'Defaults by artifact_type; each type takes only the passive types listed in docs/ML_PIPELINE_INTEGRATION.md' }),
    content_length: z.number().int().nonnegative().max(MAX_ARTIFACT_BYTES).optional(),
  })
  .superRefine((r, ctx) => {
    const allowed = ARTIFACT_CONTENT_TYPES[r.artifact_type]
    if (r.content_type && !allowed.includes(r.content_type)) {
      const list = allowed.length > 8 ? `${allowed.slice(0, 8).join(', ')}, …` : allowed.join(', ')
      ctx.addIssue({ code: 'custom', path: ['content_type'], message: `${r.artifact_type} artifacts take ${list}; not ${r.content_type}`, params: { allowed } })
    }
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
