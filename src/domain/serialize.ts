import type { AccessRole } from '../auth/permissions'
import type { analyses, annotations, artifacts, datasetSnapshots, images, jobArtifacts, jobs, modelVersions, projects } from '../db/schema'
import type { Analysis, Annotation } from '../schemas/analyses'
import type { Artifact } from '../schemas/artifacts'
import type { DatasetSnapshot } from '../schemas/datasets'
import type { Job, JobArtifact } from '../schemas/jobs'
import type { ModelArtifact, ModelVersion } from '../schemas/model-versions'

type Row<T extends { $inferSelect: unknown }> = T['$inferSelect']
type Snake<S extends string> = S extends `${infer C}${infer Rest}` ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${Snake<Rest>}` : S

/**
 * Rows to API objects: the one place that knows column names differ from field names. A field is
 * its column's name in snake case, in the order listed; the few that differ are set after.
 */
const snakeFields = <T, const K extends readonly (keyof T & string)[]>(row: T, keys: K) =>
  Object.fromEntries(keys.map((k) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), row[k]])) as { [P in K[number] as Snake<P>]: T[P] }

export const toAnalysis = (r: Row<typeof analyses>): Analysis =>
  snakeFields(r, [
    'id', 'imageId', 'projectId', 'modelName', 'modelVersion', 'status', 'errorMessage', 'statusReason', 'deadlineAt', 'parameters', 'provenance', 'requestedById',
    'pipelineId', 'externalJobId', 'priority', 'groupId', 'modelVersionId', 'jobId', 'progress', 'stage', 'annotationCount', 'version',
    'createdAt', 'startedAt', 'completedAt', 'updatedAt',
  ])

const storedFile = ['filename', 'storagePath', 'contentType', 'status', 'bytes', 'sha256', 'createdAt', 'uploadedAt'] as const

export const toArtifact = (r: Row<typeof artifacts>): Artifact => ({
  ...snakeFields(r, ['id', 'analysisId', 'artifactType', ...storedFile]),
  artifact_type: r.artifactType as Artifact['artifact_type'],
})

export const toImage = (r: Row<typeof images>) =>
  snakeFields(r, ['id', 'projectId', 'filename', 'contentType', 'width', 'height', 'bytes', 'sha256', 'status', 'createdAt'])

export const toProject = (r: Row<typeof projects>, role: AccessRole) => ({
  ...snakeFields(r, ['id', 'name', 'description', 'ownerId']),
  role,
  ...snakeFields(r, ['createdAt', 'updatedAt']),
})

export const toJob = (r: Row<typeof jobs>): Job =>
  snakeFields(r, [
    'id', 'projectId', 'kind', 'modelName', 'modelVersion', 'modelVersionId', 'parameters', 'inputs', 'priority', 'requestedById',
    'status', 'errorMessage', 'statusReason', 'deadlineAt', 'progress', 'stage', 'version', 'createdAt', 'startedAt', 'completedAt', 'updatedAt', 'runnableAt',
    'datasetSnapshotId', 'batchTotal', 'pipelineId',
  ])

export const toJobArtifact = (r: Row<typeof jobArtifacts>): JobArtifact => snakeFields(r, ['id', 'jobId', 'artifactType', ...storedFile])

export const toSnapshot = (r: Row<typeof datasetSnapshots>): DatasetSnapshot =>
  snakeFields(r, [
    'id', 'projectId', 'jobId', 'format', 'modelName', 'review', 'status', 'sha256', 'bytes', 'imageCount', 'sources', 'errorMessage',
    'createdAt', 'frozenAt',
  ])

export const toModelVersion = (r: Row<typeof modelVersions>): ModelVersion => ({
  ...snakeFields(r, [
    'id', 'projectId', 'name', 'version', 'description', 'jobId', 'datasetSnapshotId', 'datasetSha256', 'metrics', 'artifacts', 'provenance',
    'createdById', 'createdAt',
  ]),
  artifacts: r.artifacts as ModelArtifact[],
})

export const toAnnotation = (r: Row<typeof annotations>): Annotation => ({
  ...snakeFields(r, ['id', 'analysisId', 'annotationType', 'className', 'confidence', 'data', 'storagePath', 'ordering']),
  annotation_type: r.annotationType as Annotation['annotation_type'],
  key: r.upsertKey,
  ...snakeFields(r, ['reviewState', 'reviewNote', 'reviewedById', 'reviewedAt', 'createdAt']),
})
