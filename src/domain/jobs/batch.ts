import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Config } from '../../config'
import type { DataAccess } from '../../db/client'
import { batchImagesPage } from '../../db/export-sql'
import { inJson } from '../../db/in-json'
import { openBatchAnalysisIds } from '../../db/job-batch-sql'
import { analyses } from '../../db/schema'
import { AppError } from '../../errors'
import type { Analysis } from '../../schemas/analyses'
import type { BatchResultItem } from '../../schemas/batch'
import type { Job } from '../../schemas/jobs'
import { auditInsert } from '../audit'
import type { Dataset } from '../exports/dataset'
import { datasetImages } from '../exports/project'
import { toAnalysis } from '../serialize'
import { outsideBatch } from './targets'

/**
 * The analyses of a batch's images, created on first mention: one per image per job (a unique
 * index), in the job's group, linked to the job and the version it applies. A retried request finds
 * the analyses it made. All or nothing: an image outside the batch, or one already at its analysis
 * limit, refuses the whole request before anything is written.
 */
export async function batchAnalyses({ db, d1 }: DataAccess, config: Config, job: Job, items: BatchResultItem[], requestId: string | null) {
  const imageIds = [...new Set(items.map((i) => i.image_id))]
  const outside = await outsideBatch(d1, job.id, imageIds)
  if (outside.length) throw new AppError(400, 'validation_error', `items: ${outside.length} image(s) are not part of this batch`, { path: ['items'], image_ids: outside.slice(0, 20) })
  const existing = new Map((await ofImages(db, job.id, imageIds)).map((a) => [a.image_id, a]))
  const fresh = imageIds.filter((id) => !existing.has(id))
  if (fresh.length) {
    await assertRoom(db, config, fresh)
    const params = new Map(items.map((i) => [i.image_id, i]))
    const now = new Date().toISOString()
    const inserts = fresh.map((imageId) =>
      db
        .insert(analyses)
        .values({
          id: crypto.randomUUID(),
          imageId,
          projectId: job.project_id,
          modelName: job.model_name,
          modelVersion: job.model_version!,
          modelVersionId: job.model_version_id,
          jobId: job.id,
          groupId: job.id,
          status: 'queued',
          parameters: params.get(imageId)?.parameters ?? job.parameters ?? null,
          provenance: params.get(imageId)?.provenance ?? null,
          requestedById: job.requested_by_id,
          priority: job.priority,
          createdAt: now,
        })
        .onConflictDoNothing({ target: [analyses.jobId, analyses.imageId] }),
    )
    const audit = auditInsert(db, {
      actorType: 'pipeline',
      action: 'job.analyses_created',
      targetType: 'job',
      targetId: job.id,
      projectId: job.project_id,
      requestId,
      details: { images: fresh.length },
    })
    await db.batch([audit, ...inserts])
  }
  const rows = await ofImages(db, job.id, imageIds)
  return rows.map((analysis) => ({ analysis, created: !existing.has(analysis.image_id) }))
}

async function ofImages(db: DataAccess['db'], jobId: string, imageIds: string[]): Promise<Analysis[]> {
  const rows = await db.select().from(analyses).where(and(eq(analyses.jobId, jobId), inJson(analyses.imageId, imageIds)))
  return rows.map(toAnalysis)
}

async function assertRoom(db: DataAccess['db'], config: Config, imageIds: string[]) {
  const results = await db
    .select({ image_id: analyses.imageId })
    .from(analyses)
    .where(and(inJson(analyses.imageId, imageIds), isNull(analyses.deletedAt)))
    .groupBy(analyses.imageId)
    .having(sql`count(*) >= ${config.ML_MAX_ANALYSES_PER_IMAGE}`)
  if (results.length) {
    throw new AppError(409, 'analysis_limit_reached', `${results.length} image(s) already have ${config.ML_MAX_ANALYSES_PER_IMAGE} analyses, the limit`, {
      limit: config.ML_MAX_ANALYSES_PER_IMAGE,
      image_ids: results.map((r) => r.image_id).slice(0, 20),
    })
  }
}

/** Analyses of the batch still open, a page at a time: the ones a finished batch cancels. */
export async function openBatchAnalyses(d1: D1Database, jobId: string, limit: number): Promise<string[]> {
  const { results } = await openBatchAnalysisIds(d1, jobId, limit).all<{ id: string }>()
  return results.map((r) => r.id)
}

/** The batch as a dataset: each image with the batch's completed analysis of it, for the project exporters. */
export async function batchDataset(d1: D1Database, bucket: R2Bucket, job: Job, review: 'accepted' | 'any'): Promise<Dataset> {
  const images = await datasetImages(
    d1,
    (after) => batchImagesPage(d1, job.id, after),
    (r) => ({ id: r.analysis_id, model_name: job.model_name, model_version: job.model_version! }),
  )
  const exportedAt = new Date().toISOString()
  return {
    d1,
    bucket,
    images,
    review,
    exportedAt,
    origin: { job_id: job.id, project_id: job.project_id, model_name: job.model_name, model_version: job.model_version, model_version_id: job.model_version_id, review, exported_at: exportedAt },
  }
}
