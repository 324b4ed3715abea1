import { and, eq, isNull } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, images, jobs } from '../db/schema'
import { callbackCredential } from '../pipeline/credentials'
import type { RunRef } from '../schemas/deliveries'
import { presign } from '../storage/presign'

/** How long the image URL in a delivery stays valid: long enough for a queue's backlog. */
const IMAGE_URL_TTL_SECONDS = 3600

/** What a run of some kind hands a pipeline: the work, where its inputs are, how to call back. */
export interface RunPayloadBuilder {
  /** The run's project and model (and a job's kind), to find the endpoint that serves it; null when it is gone. */
  target(db: Database, runId: string): Promise<{ projectId: string; modelName: string; jobKind?: string } | null>
  /** The run's status now, or null when it is gone. */
  status(db: Database, runId: string): Promise<string | null>
  /** The delivery's `data`; null when the run is gone. Built at each attempt, so URLs are fresh. */
  data(db: Database, config: Config, origin: string, runId: string): Promise<Record<string, unknown> | null>
  /** Records the pipeline the run is handed to before the delivery leaves, so its key works on the run's callbacks at once. */
  hold?(db: Database, runId: string, pipelineId: string): Promise<void>
}

const analysisRow = (db: Database, id: string) =>
  db
    .select({ analysis: analyses, image: images })
    .from(analyses)
    .innerJoin(images, eq(images.id, analyses.imageId))
    .where(and(eq(analyses.id, id), isNull(analyses.deletedAt)))
    .get()

const analysisPayload: RunPayloadBuilder = {
  async target(db, id) {
    const row = await analysisRow(db, id)
    return row ? { projectId: row.analysis.projectId, modelName: row.analysis.modelName } : null
  },
  async status(db, id) {
    return (await analysisRow(db, id))?.analysis.status ?? null
  },
  async data(db, config, origin, id) {
    const row = await analysisRow(db, id)
    if (!row) return null
    const { analysis: a, image } = row
    const url = await presign(config, origin, image.storageKey, { method: 'GET', expiresIn: IMAGE_URL_TTL_SECONDS })
    return {
      analysis: {
        id: a.id,
        status: a.status,
        image_id: a.imageId,
        project_id: a.projectId,
        model_name: a.modelName,
        model_version: a.modelVersion,
        parameters: a.parameters ?? {},
        priority: a.priority,
        created_at: a.createdAt,
      },
      image: { id: image.id, url: url.url, url_expires_at: url.expiresAt, content_type: image.contentType, width: image.width, height: image.height },
      callback: (await callbackCredential(config, origin, 'analysis', a.id)) ?? null,
    }
  },

  async hold(db, id, pipelineId) {
    // Only an analysis nobody holds: a pipeline's own analysis, or one claimed, stays its holder's.
    await db.update(analyses).set({ pipelineId }).where(and(eq(analyses.id, id), isNull(analyses.pipelineId), isNull(analyses.leaseToken)))
  },
}

const jobRow = (db: Database, id: string) => db.select().from(jobs).where(eq(jobs.id, id)).get()

const jobPayload: RunPayloadBuilder = {
  async target(db, id) {
    const job = await jobRow(db, id)
    return job ? { projectId: job.projectId, modelName: job.modelName, jobKind: job.kind } : null
  },
  async status(db, id) {
    return (await jobRow(db, id))?.status ?? null
  },
  async data(db, config, origin, id) {
    const j = await jobRow(db, id)
    if (!j) return null
    return {
      // Its dataset and a batch's images come from the signed `inputs` and `batch/images` callbacks, as fresh URLs.
      job: {
        id: j.id,
        kind: j.kind,
        status: j.status,
        project_id: j.projectId,
        model_name: j.modelName,
        model_version: j.modelVersion,
        model_version_id: j.modelVersionId,
        parameters: j.parameters ?? {},
        inputs: j.inputs ?? {},
        priority: j.priority,
        dataset_snapshot_id: j.datasetSnapshotId,
        created_at: j.createdAt,
        runnable_at: j.runnableAt,
      },
      callback: (await callbackCredential(config, origin, 'job', j.id)) ?? null,
    }
  },
  async hold(db, id, pipelineId) {
    await db.update(jobs).set({ pipelineId }).where(eq(jobs.id, id))
  },
}

/**
 * One builder per kind of run. The dispatcher moves run references (kind + id), never a kind's
 * record, so another kind is dispatched by adding its builder here.
 */
export const RUN_PAYLOADS: Record<string, RunPayloadBuilder> = { analysis: analysisPayload, job: jobPayload }

export function payloadBuilder(run: RunRef): RunPayloadBuilder {
  const builder = RUN_PAYLOADS[run.kind]
  if (!builder) throw new Error(`no dispatch payload for runs of kind ${run.kind}`)
  return builder
}
