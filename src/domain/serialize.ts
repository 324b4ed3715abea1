import type { AccessRole } from '../auth/permissions'
import type { analyses, annotations, artifacts, datasetSnapshots, images, jobArtifacts, jobs, modelVersions, projects } from '../db/schema'
import type { Analysis, Annotation } from '../schemas/analyses'
import type { Artifact } from '../schemas/artifacts'
import type { DatasetSnapshot } from '../schemas/datasets'
import type { Job, JobArtifact } from '../schemas/jobs'
import type { ModelArtifact, ModelVersion } from '../schemas/model-versions'

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
  pipeline_id: r.pipelineId,
  external_job_id: r.externalJobId,
  priority: r.priority,
  group_id: r.groupId,
  model_version_id: r.modelVersionId,
  job_id: r.jobId,
  progress: r.progress,
  stage: r.stage,
  annotation_count: r.annotationCount,
  version: r.version,
  created_at: r.createdAt,
  started_at: r.startedAt,
  completed_at: r.completedAt,
  updated_at: r.updatedAt,
})

export const toArtifact = (r: Row<typeof artifacts>): Artifact => ({
  id: r.id,
  analysis_id: r.analysisId,
  artifact_type: r.artifactType as Artifact['artifact_type'],
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

export const toProject = (r: Row<typeof projects>, role: AccessRole) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  owner_id: r.ownerId,
  role,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
})

export const toJob = (r: Row<typeof jobs>): Job => ({
  id: r.id,
  project_id: r.projectId,
  kind: r.kind,
  model_name: r.modelName,
  model_version: r.modelVersion,
  model_version_id: r.modelVersionId,
  parameters: r.parameters ?? null,
  inputs: r.inputs ?? null,
  priority: r.priority,
  requested_by_id: r.requestedById,
  status: r.status,
  error_message: r.errorMessage,
  progress: r.progress,
  stage: r.stage,
  version: r.version,
  created_at: r.createdAt,
  started_at: r.startedAt,
  completed_at: r.completedAt,
  updated_at: r.updatedAt,
  runnable_at: r.runnableAt,
  dataset_snapshot_id: r.datasetSnapshotId,
  batch_total: r.batchTotal,
})

export const toJobArtifact = (r: Row<typeof jobArtifacts>): JobArtifact => ({
  id: r.id,
  job_id: r.jobId,
  artifact_type: r.artifactType,
  filename: r.filename,
  storage_path: r.storagePath,
  content_type: r.contentType,
  status: r.status,
  bytes: r.bytes,
  sha256: r.sha256,
  created_at: r.createdAt,
  uploaded_at: r.uploadedAt,
})

export const toSnapshot = (r: Row<typeof datasetSnapshots>): DatasetSnapshot => ({
  id: r.id,
  project_id: r.projectId,
  job_id: r.jobId,
  format: r.format,
  model_name: r.modelName,
  review: r.review,
  status: r.status,
  sha256: r.sha256,
  bytes: r.bytes,
  image_count: r.imageCount,
  sources: r.sources ?? null,
  error_message: r.errorMessage,
  created_at: r.createdAt,
  frozen_at: r.frozenAt,
})

export const toModelVersion = (r: Row<typeof modelVersions>): ModelVersion => ({
  id: r.id,
  project_id: r.projectId,
  name: r.name,
  version: r.version,
  description: r.description,
  job_id: r.jobId,
  dataset_snapshot_id: r.datasetSnapshotId,
  dataset_sha256: r.datasetSha256,
  metrics: r.metrics,
  artifacts: r.artifacts as ModelArtifact[],
  provenance: r.provenance,
  created_by_id: r.createdById,
  created_at: r.createdAt,
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
