import { z } from 'zod'
import { Artifact } from './artifacts'
import { JsonObject, Pagination, Timestamp, Uuid } from './common'
import { DatasetRequest, DatasetSnapshot } from './datasets'
import { DeadlineField, RUN_STATUSES, runControlFields, runRecordTimes, runStatusSchema, statusUpdateSchema } from './runs'

/**
 * Project-level jobs: runs with the analysis lifecycle (docs/state-machine.md) that work on a whole
 * project rather than one image. docs/jobs.md describes kinds, the queue and the wire contract.
 */
export const JOB_KINDS = ['training', 'evaluation', 'data_generation', 'verification', 'batch_inference', 'custom'] as const
export const JobKind = z.enum(JOB_KINDS).meta({ id: 'JobKind' })
export type JobKind = z.infer<typeof JobKind>

export const JobStatus = runStatusSchema('JobStatus')

/** How many image ids a batch may name explicitly; without a list it covers every ready image. */
export const MAX_BATCH_IMAGE_IDS = 10_000

export const BatchImages = z
  .object({
    image_ids: z
      .array(Uuid)
      .min(1)
      .max(MAX_BATCH_IMAGE_IDS)
      .optional()
      .meta({ description: 'Only these images; left out, every ready image of the project at the time the job is created' }),
  })
  .meta({ id: 'BatchImages' })

export const JobInputs = z
  .looseObject({
    dataset: DatasetRequest.optional(),
    images: BatchImages.optional().meta({ description: '`batch_inference` only: which images the batch covers' }),
  })
  .meta({ id: 'JobInputs', description: 'Known inputs are checked; anything else is handed to the pipeline as given' })

const NAME = z.string().trim().min(1).max(200)

export const JobCreate = z
  .object({
    kind: JobKind,
    model_name: NAME,
    model_version: NAME.optional().meta({
      description: 'The version the job applies (evaluation, batch_inference); linked to the registered version of that name when there is one',
    }),
    parameters: JsonObject.optional(),
    inputs: JobInputs.optional(),
    priority: z.number().int().min(-1000).max(1000).default(0).meta({ description: 'Higher runs first among waiting jobs; ties go by creation time' }),
    deadline: DeadlineField,
  })
  .superRefine((j, ctx) => {
    if (j.kind === 'batch_inference' && !j.model_version) {
      ctx.addIssue({ code: 'custom', path: ['model_version'], message: 'a batch_inference job names the model version it applies' })
    }
    if (j.inputs?.images && j.kind !== 'batch_inference') {
      ctx.addIssue({ code: 'custom', path: ['inputs', 'images'], message: 'only batch_inference jobs take inputs.images' })
    }
  })
  .meta({
    id: 'JobCreate',
    example: {
      kind: 'training',
      model_name: 'rescorer',
      parameters: { epochs: 20, learning_rate: 0.1 },
      inputs: { dataset: { format: 'coco', model: 'yolo_v8', review: 'accepted' } },
    },
  })
export type JobCreate = z.infer<typeof JobCreate>

export const Job = z
  .object({
    id: Uuid,
    project_id: Uuid,
    kind: JobKind,
    model_name: z.string(),
    model_version: z.string().nullable(),
    model_version_id: Uuid.nullable().meta({ description: 'The registered version `model_version` names, when there is one' }),
    parameters: JsonObject.nullable(),
    inputs: JsonObject.nullable().meta({ description: 'As given; an explicit image list is summarised as `images.image_count`' }),
    priority: z.number().int(),
    requested_by_id: Uuid.nullable(),
    status: JobStatus,
    error_message: z.string().nullable(),
    ...runControlFields,
    progress: z.number(),
    stage: z.string().nullable(),
    ...runRecordTimes,
    runnable_at: Timestamp.nullable().meta({ description: 'When the job got one of its project’s slots; null while it waits in the queue' }),
    dataset_snapshot_id: Uuid.nullable(),
    batch_total: z.number().int().nullable().meta({ description: '`batch_inference`: how many images the batch covers' }),
    pipeline_id: Uuid.nullable().meta({ description: 'The pipeline the job was pushed to, whose key may call its callbacks; null until then' }),
  })
  .meta({ id: 'Job' })
export type Job = z.infer<typeof Job>

export const BatchSummary = z
  .object({
    total: z.number().int().meta({ description: 'Images the batch covers' }),
    analyses: z.number().int().meta({ description: 'Analyses created so far' }),
    queued: z.number().int(),
    processing: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    canceled: z.number().int(),
    group_id: z.string().meta({ description: 'The analyses’ `group_id`: the job id' }),
  })
  .meta({ id: 'BatchSummary' })
export type BatchSummary = z.infer<typeof BatchSummary>

export const JobDetail = Job.extend({
  queue_position: z.number().int().nullable().meta({ description: '1 for the next job to get a slot; null unless waiting' }),
  dataset: DatasetSnapshot.nullable(),
  batch: BatchSummary.nullable(),
  model_version_ids: z.array(Uuid).meta({ description: 'Versions this job registered' }),
}).meta({ id: 'JobDetail' })

export const JobList = z.object({ jobs: z.array(Job), total: z.number().int() }).meta({ id: 'JobList' })

export const JobListQuery = Pagination.extend({
  kind: JobKind.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  model_name: z.string().max(200).optional(),
})

export const JobQueue = z
  .object({
    concurrency: z.number().int(),
    running: z.array(Job).meta({ description: 'Jobs holding a slot: processing, or runnable and waiting for a pipeline' }),
    waiting: z.array(Job.extend({ queue_position: z.number().int() })).meta({ description: 'In the order they will get a slot' }),
  })
  .meta({ id: 'JobQueue' })

export const JobStatusUpdate = statusUpdateSchema(JobStatus).meta({ id: 'JobStatusUpdate', example: { status: 'processing', stage: 'fit' } })

/** A job's artifact: an analysis's, held by the job instead. */
export const JobArtifact = Artifact.omit({ analysis_id: true }).extend({ job_id: z.string() }).meta({ id: 'JobArtifact' })
export type JobArtifact = z.infer<typeof JobArtifact>

export const JobArtifactList = z.object({ artifacts: z.array(JobArtifact) }).meta({ id: 'JobArtifactList' })

export const ProjectSettings = z
  .object({
    project_id: Uuid,
    job_concurrency: z.number().int().meta({ description: 'How many jobs of the project may hold a slot at once' }),
    updated_at: Timestamp.nullable(),
  })
  .meta({ id: 'ProjectSettings' })

export const ProjectSettingsUpdate = z
  .object({ job_concurrency: z.number().int().min(1).max(100) })
  .meta({ id: 'ProjectSettingsUpdate', example: { job_concurrency: 2 } })
