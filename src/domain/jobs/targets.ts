import { batchStatusCounts, countReadyImages, notReadyImages, targetImages, uncoveredImages, type TargetImage } from '../../db/job-target-sql'
import type { BatchSummary } from '../../schemas/jobs'
import { RUN_STATUSES, type RunStatus } from '../../schemas/runs'

export async function countTargets(d1: D1Database, projectId: string, before: string): Promise<number> {
  const row = await countReadyImages(d1, projectId, before).first<{ n: number }>()
  return Number(row?.n ?? 0)
}

/** Ids in `ids` that are not ready images of the project; the list travels as one JSON parameter. */
export async function missingTargets(d1: D1Database, projectId: string, ids: string[]): Promise<string[]> {
  const { results } = await notReadyImages(d1, projectId, ids).all<{ id: string }>()
  return results.map((r) => r.id)
}

/** A page of the batch's images in upload order, each with the batch's analysis of it so far. */
export async function targetPage(d1: D1Database, jobId: string, afterRowid: number, limit: number): Promise<TargetImage[]> {
  const { results } = await targetImages(d1, jobId, afterRowid, limit).all<TargetImage>()
  return results
}

/** Ids in `ids` the batch does not cover. */
export async function outsideBatch(d1: D1Database, jobId: string, ids: string[]): Promise<string[]> {
  const { results } = await uncoveredImages(d1, jobId, ids).all<{ id: string }>()
  return results.map((r) => r.id)
}

/** The batch's analyses by status: a GROUP BY over the job's index, never a scan in the Worker. */
export async function batchSummary(d1: D1Database, job: { id: string; batch_total: number | null }): Promise<BatchSummary> {
  const { results } = await batchStatusCounts(d1, job.id).all<{ status: RunStatus; n: number }>()
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>
  for (const r of results) counts[r.status] = Number(r.n)
  const analyses = RUN_STATUSES.reduce((sum, s) => sum + counts[s], 0)
  return { total: job.batch_total ?? 0, analyses, ...counts, group_id: job.id }
}
