import { z } from 'zod'
import { AnalysisSummary } from './images'
import { JsonObject, Timestamp, Uuid } from './common'
import { DatasetSnapshot } from './datasets'
import { Job } from './jobs'

/** The per-project registry of model versions and what links them (docs/jobs.md#model-versions). */
export const MODEL_ARTIFACT_KINDS = ['weights', 'model_card', 'config', 'other'] as const

const NAME = z.string().trim().min(1).max(200)

export const ModelArtifact = z
  .object({
    kind: z.enum(MODEL_ARTIFACT_KINDS),
    filename: z.string(),
    storage_path: z.string().nullable().meta({ description: 'A job artifact in Loupe’s bucket (`jobs/{job_id}/…`); download it through that job' }),
    uri: z.string().nullable().meta({ description: 'Or a reference kept elsewhere (s3://, hf://, https://)' }),
    job_id: Uuid.nullable(),
    content_type: z.string().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
  })
  .meta({ id: 'ModelArtifact' })
export type ModelArtifact = z.infer<typeof ModelArtifact>

export const Provenance = z
  .looseObject({
    container_image: z.string().max(500).optional(),
    commit: z.string().max(200).optional(),
    parameters: JsonObject.optional(),
  })
  .meta({ id: 'Provenance' })

export const Metrics = z.record(z.string().max(100), z.number()).meta({ id: 'ModelMetrics', description: 'Final numbers, by name: `{"val/loss": 0.21}`' })

export const ModelVersion = z
  .object({
    id: Uuid,
    project_id: Uuid,
    name: z.string(),
    version: z.string(),
    description: z.string().nullable(),
    job_id: Uuid.nullable().meta({ description: 'The job that produced it' }),
    dataset_snapshot_id: Uuid.nullable(),
    dataset_sha256: z.string().nullable().meta({ description: 'The snapshot it was trained on, by hash' }),
    metrics: Metrics,
    artifacts: z.array(ModelArtifact),
    provenance: Provenance,
    created_by_id: Uuid.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'ModelVersion' })
export type ModelVersion = z.infer<typeof ModelVersion>

const artifactRef = z.object({
  kind: z.enum(MODEL_ARTIFACT_KINDS),
  storage_path: z.string().min(1).max(1024).optional(),
  uri: z.string().min(1).max(2000).optional(),
  filename: z.string().min(1).max(255).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
})

/** Registered by a job: the artifacts are the job's own uploads, the dataset is the job's. */
export const ModelVersionRegister = z
  .object({
    name: NAME.optional().meta({ description: 'Defaults to the job’s model_name' }),
    version: NAME,
    description: z.string().max(10_000).optional(),
    metrics: Metrics.optional().meta({ description: 'Left out: the latest value of each of the job’s metrics' }),
    artifacts: z
      .array(artifactRef.omit({ uri: true }).extend({ storage_path: z.string().min(1).max(1024) }))
      .max(50)
      .default([]),
    provenance: Provenance.optional().meta({ description: '`parameters` defaults to the job’s' }),
  })
  .meta({
    id: 'ModelVersionRegister',
    example: {
      version: '2',
      metrics: { 'val/loss': 0.21 },
      artifacts: [{ kind: 'weights', storage_path: 'jobs/7c9e6679-7425-40de-944b-e07fc1f90ae7/rescorer.json' }],
      provenance: { container_image: 'ghcr.io/acme/rescorer:1.4', commit: '9f2c1e0' },
    },
  })

/** Registered by a person: a model trained elsewhere, or one of the project's jobs' outputs. */
export const ModelVersionCreate = z
  .object({
    name: NAME,
    version: NAME,
    description: z.string().max(10_000).optional(),
    metrics: Metrics.optional(),
    artifacts: z
      .array(artifactRef.refine((a) => Boolean(a.storage_path) !== Boolean(a.uri), { message: 'give exactly one of storage_path or uri' }))
      .max(50)
      .default([]),
    provenance: Provenance.optional(),
    job_id: Uuid.optional().meta({ description: 'A job of this project that produced it' }),
    dataset_snapshot_id: Uuid.optional(),
  })
  .meta({ id: 'ModelVersionCreate', example: { name: 'yolo_v8', version: '1.0.0', provenance: { container_image: 'ultralytics/ultralytics:8.1' } } })

export const ModelVersionList = z.object({ model_versions: z.array(ModelVersion), total: z.number().int() }).meta({ id: 'ModelVersionList' })

export const ModelVersionListQuery = z.object({
  name: z.string().max(200).optional(),
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export const ReviewCounts = z
  .object({ accepted: z.number().int(), rejected: z.number().int(), unreviewed: z.number().int() })
  .meta({ id: 'ReviewCounts' })

export const Lineage = z
  .object({
    dataset_snapshot: DatasetSnapshot.nullable().meta({ description: 'What the version was trained on' }),
    training_job: Job.nullable(),
    model_version: ModelVersion,
    jobs_using: z.array(Job).meta({ description: 'Jobs that applied this version (batch inference, evaluation), newest first' }),
    analyses: AnalysisSummary.meta({ description: 'Analyses this version made' }),
    reviews: ReviewCounts.meta({ description: 'How people judged those analyses’ annotations' }),
    next_snapshots: z.array(DatasetSnapshot).meta({ description: 'Later snapshots labelled in part by this version’s reviewed analyses' }),
  })
  .meta({ id: 'Lineage' })

export const CompareQuery = z.object({
  base: Uuid.meta({ description: 'A model version id' }),
  candidate: Uuid,
  scope: z
    .enum(['common', 'all'])
    .default('common')
    .meta({ description: '`common`: only images both versions analysed (the fair comparison); `all`: every completed analysis of each' }),
})

export const ClassStats = z.object({
  annotations: z.number().int(),
  mean_confidence: z.number().nullable(),
  accepted: z.number().int(),
  rejected: z.number().int(),
})

export const ModelComparison = z
  .object({
    base: ModelVersion,
    candidate: ModelVersion,
    scope: z.enum(['common', 'all']),
    images: z.object({ base: z.number().int(), candidate: z.number().int(), common: z.number().int() }),
    classes: z.array(
      z.object({
        class_name: z.string(),
        base: ClassStats,
        candidate: ClassStats,
        mean_confidence_delta: z.number().nullable().meta({ description: 'candidate − base' }),
      }),
    ),
  })
  .meta({ id: 'ModelComparison' })

export const AliasName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, _ and -, starting with a letter, e.g. production')

export const ModelAlias = z
  .object({
    name: z.string().meta({ description: 'The model' }),
    alias: z.string(),
    model_version_id: Uuid,
    version: z.string().meta({ description: 'The version the alias points at' }),
    updated_at: Timestamp,
    updated_by_id: Uuid.nullable(),
  })
  .meta({ id: 'ModelAlias' })

export const PromoteRequest = z.object({ alias: AliasName }).meta({ id: 'PromoteRequest', example: { alias: 'production' } })

export const ModelAliasList = z.object({ aliases: z.array(ModelAlias) }).meta({ id: 'ModelAliasList' })
