import { analysisStub } from '../../durable-objects/analysis-object'
import { connect } from '../db/client'
import { deleteAnnotationChunk } from '../db/retention-sql'
import type { PurgeBudget } from './purge-budget'

/** D1 deletes annotation rows this many at a time: a short statement never stalls other writers. */
const ANNOTATION_CHUNK = 5000
/** R2 deletes at most 1,000 keys per call. */
const R2_DELETE_MAX = 1000

export interface PurgedRun {
  annotations: number
  r2Objects: number
  /** False when the budget ran out part-way; the next run picks up where this one stopped. */
  done: boolean
}

/** Every object under `prefix`, a page of up to 1,000 at a time. */
export async function deletePrefix(bucket: R2Bucket, prefix: string, budget: PurgeBudget): Promise<{ deleted: number; done: boolean }> {
  let deleted = 0
  for (;;) {
    if (!budget.allows(2)) return { deleted, done: false }
    const page = await bucket.list({ prefix, limit: R2_DELETE_MAX })
    budget.spend()
    if (!page.objects.length) return { deleted, done: true }
    await bucket.delete(page.objects.map((o) => o.key))
    budget.spend()
    deleted += page.objects.length
    if (!page.truncated) return { deleted, done: true }
  }
}

/**
 * Everything of one analysis but its row: its object's storage, its files in R2 (artifacts and log
 * chunks under `ml_outputs/{id}/`) and its annotation rows. Each step is idempotent, and the row
 * goes last, so a run that stops half-way is finished by the next one.
 */
export async function purgeAnalysisData(env: Env, analysisId: string, budget: PurgeBudget): Promise<PurgedRun> {
  const result: PurgedRun = { annotations: 0, r2Objects: 0, done: false }
  if (!budget.allows(4)) return result
  await analysisStub(env, analysisId).purge()
  budget.spend()
  const files = await deletePrefix(env.BUCKET, `ml_outputs/${analysisId}/`, budget)
  result.r2Objects = files.deleted
  if (!files.done) return result
  const statement = deleteAnnotationChunk(connect(env.DB).d1, analysisId, ANNOTATION_CHUNK)
  for (;;) {
    if (!budget.allows(2)) return result
    const changes = (await statement.run()).meta.changes
    budget.spend()
    result.annotations += changes
    if (changes < ANNOTATION_CHUNK) break
  }
  result.done = true
  return result
}
