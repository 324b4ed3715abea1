import type { analyses, annotations, artifacts, images, projects } from '../db/schema'
import type { Analysis, Annotation } from '../schemas/analyses'

type Row<T extends { $inferSelect: unknown }> = T['$inferSelect']

/** Rows to API objects: the one place that knows column names differ from field names. */
export const toAnalysis = (r: Row<typeof analyses>): Analysis => ({
  id: r.id,
  image_id: r.imageId,
  project_id: r.projectId,
  model_name: r.modelName,
  model_version: r.modelVersion,
  status: r.status,
  error_message: r.errorMessage,
  parameters: r.parameters ?? null,
  provenance: r.provenance ?? null,
  requested_by_id: r.requestedById,
  external_job_id: r.externalJobId,
  priority: r.priority,
  group_id: r.groupId,
  progress: r.progress,
  stage: r.stage,
  annotation_count: r.annotationCount,
  version: r.version,
  created_at: r.createdAt,
  started_at: r.startedAt,
  completed_at: r.completedAt,
  updated_at: r.updatedAt,
})

export const toAnnotation = (r: Row<typeof annotations>): Annotation => ({
  id: r.id,
  analysis_id: r.analysisId,
  annotation_type: r.annotationType as Annotation['annotation_type'],
  class_name: r.className,
  confidence: r.confidence,
  data: r.data,
  storage_path: r.storagePath,
  ordering: r.ordering,
  key: r.upsertKey,
  review_state: r.reviewState,
  review_note: r.reviewNote,
  reviewed_by_id: r.reviewedById,
  reviewed_at: r.reviewedAt,
  created_at: r.createdAt,
})

/** Raw D1 rows (snake_case columns, JSON as text) from the json_each statements. */
export const annotationFromRaw = (r: Record<string, unknown>): Annotation => ({
  id: r.id as string,
  analysis_id: r.analysis_id as string,
  annotation_type: r.annotation_type as Annotation['annotation_type'],
  class_name: (r.class_name as string | null) ?? null,
  confidence: (r.confidence as number | null) ?? null,
  data: JSON.parse(r.data as string),
  storage_path: (r.storage_path as string | null) ?? null,
  ordering: (r.ordering as number | null) ?? null,
  key: (r.upsert_key as string | null) ?? null,
  review_state: r.review_state as Annotation['review_state'],
  review_note: (r.review_note as string | null) ?? null,
  reviewed_by_id: (r.reviewed_by_id as string | null) ?? null,
  reviewed_at: (r.reviewed_at as string | null) ?? null,
  created_at: r.created_at as string,
})

export const toArtifact = (r: Row<typeof artifacts>) => ({
  id: r.id,
  analysis_id: r.analysisId,
  artifact_type: r.artifactType as 'heatmap',
  filename: r.filename,
  storage_path: r.storagePath,
  content_type: r.contentType,
  status: r.status,
  bytes: r.bytes,
  sha256: r.sha256,
  created_at: r.createdAt,
  uploaded_at: r.uploadedAt,
})

export const toImage = (r: Row<typeof images>) => ({
  id: r.id,
  project_id: r.projectId,
  filename: r.filename,
  content_type: r.contentType,
  width: r.width,
  height: r.height,
  bytes: r.bytes,
  sha256: r.sha256,
  status: r.status,
  created_at: r.createdAt,
})

export const toProject = (r: Row<typeof projects>, role: 'owner' | 'editor' | 'viewer') => ({
  id: r.id,
  name: r.name,
  description: r.description,
  owner_id: r.ownerId,
  role,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
})
