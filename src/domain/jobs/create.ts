import { and, eq } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import type { Config } from '../../config'
import type { DataAccess } from '../../db/client'
import { datasetSnapshots, jobs } from '../../db/schema'
import { AppError } from '../../errors'
import type { DatasetRequest } from '../../schemas/datasets'
import type { Job, JobCreate } from '../../schemas/jobs'
import { registeredVersion } from '../analyses'
import { resolveVersionName } from '../model-versions/aliases'
import { userAudit } from '../audit'
import { snapshotKey } from '../datasets/snapshots'
import { getProject } from '../projects'
import { toJob } from '../serialize'
import { admitWaiting } from './admission'
import { countTargets, missingTargets } from './targets'

/**
 * Creates a job, queued, and gives it a slot at once when its project has one free. A dataset it
 * asks for is recorded as a pending snapshot in the same batch; the job's object freezes it.
 */
export async function createJob({ db, d1 }: DataAccess, config: Config, user: CurrentUser, projectId: string, input: JobCreate, requestId: string): Promise<Job> {
  await getProject(db, user, projectId, 'write')
  if (input.kind === 'batch_inference' && config.ML_ALLOWED_MODELS.length && !config.ML_ALLOWED_MODELS.includes(input.model_name)) {
    throw new AppError(400, 'model_not_allowed', `Model "${input.model_name}" is not allowed; allowed models: ${config.ML_ALLOWED_MODELS.join(', ')}`, {
      allowed_models: config.ML_ALLOWED_MODELS,
    })
  }
  const id = crypto.randomUUID()
  const now = new Date().toISOString()
  const named = input.model_version ? await resolveVersionName(db, projectId, input.model_name, input.model_version) : null
  const registered = named ? await registeredVersion(db, projectId, input.model_name, named.version) : undefined
  const dataset = input.inputs?.dataset ? await datasetFor(db, projectId, id, input.inputs.dataset, now) : null
  const imageIds = input.inputs?.images?.image_ids ? [...new Set(input.inputs.images.image_ids)] : null
  let batchTotal: number | null = null
  if (input.kind === 'batch_inference') {
    if (imageIds) {
      const missing = await missingTargets(d1, projectId, imageIds)
      if (missing.length) {
        throw new AppError(400, 'validation_error', `inputs.images.image_ids: ${missing.length} of them are not ready images of this project`, {
          path: ['inputs', 'images', 'image_ids'],
          missing: missing.slice(0, 20),
        })
      }
      batchTotal = imageIds.length
    } else batchTotal = await countTargets(d1, projectId, now)
    if (batchTotal === 0) throw new AppError(400, 'validation_error', 'The project has no ready images to run the batch on', { path: ['inputs', 'images'] })
  }
  const inputs = {
    ...input.inputs,
    ...(dataset ? { dataset: dataset.summary } : {}),
    ...(named?.alias ? { model_alias: named.alias } : {}),
    ...(input.kind === 'batch_inference' ? { images: { image_count: batchTotal, ...(imageIds ? {} : { created_before: now }) } } : {}),
  }
  const insertJob = db.insert(jobs).values({
    id,
    projectId,
    kind: input.kind,
    modelName: input.model_name,
    modelVersion: named?.version ?? null,
    modelVersionId: registered?.id ?? null,
    parameters: input.parameters ?? null,
    inputs,
    targetImageIds: imageIds,
    priority: input.priority,
    requestedById: user.id,
    status: 'queued',
    createdAt: now,
    datasetSnapshotId: dataset?.id ?? null,
    batchTotal,
    deadlineAt: input.deadline ?? null,
  })
  const audit = userAudit(db, user.id, {
    action: 'job.created',
    targetType: 'job',
    targetId: id,
    projectId,
    requestId,
    details: { kind: input.kind, model_name: input.model_name, model_version: named?.version ?? null, priority: input.priority },
  })
  // The snapshot goes first: the job's row points at it.
  await (dataset?.insert ? db.batch([dataset.insert, insertJob, audit]) : db.batch([insertJob, audit]))
  await admitWaiting(d1, projectId)
  return toJob((await db.select().from(jobs).where(eq(jobs.id, id)).get())!)
}

/** A snapshot to reuse (it must be this project's and not failed) or a new one to freeze. */
async function datasetFor(db: DataAccess['db'], projectId: string, jobId: string, request: DatasetRequest, now: string) {
  if ('snapshot_id' in request) {
    const row = await db
      .select()
      .from(datasetSnapshots)
      .where(and(eq(datasetSnapshots.id, request.snapshot_id), eq(datasetSnapshots.projectId, projectId)))
      .get()
    if (!row) throw new AppError(400, 'validation_error', 'inputs.dataset.snapshot_id: no such snapshot in this project', { path: ['inputs', 'dataset', 'snapshot_id'] })
    if (row.status === 'failed') throw new AppError(409, 'conflict', 'That snapshot failed to freeze; ask for a new one', { snapshot_id: row.id })
    return { id: row.id, insert: null, summary: { snapshot_id: row.id, format: row.format, model: row.modelName, review: row.review } }
  }
  const id = crypto.randomUUID()
  const insert = db.insert(datasetSnapshots).values({
    id,
    projectId,
    jobId,
    format: request.format,
    modelName: request.model ?? null,
    review: request.review,
    storageKey: snapshotKey(projectId, id, request.format),
    createdAt: now,
  })
  return { id, insert, summary: { snapshot_id: id, format: request.format, model: request.model ?? null, review: request.review } }
}
