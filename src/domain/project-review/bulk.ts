import { and, desc, eq, isNull } from 'drizzle-orm'
import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import { asStatement, type DataAccess } from '../../db/client'
import { acceptBulkTargets, countBulkTargets, recordBulkTargets, restoreBulkTargets } from '../../db/review-batch-sql'
import { reviewBatches } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import type { BulkReviewRequest, BulkReviewResponse, ReviewBatchList, UndoResponse } from '../../schemas/project-review'
import { userAudit } from '../audit'
import { getProject } from '../projects'

type BulkRequest = z.output<typeof BulkReviewRequest>

/**
 * Accept every prediction of a model version at or above a confidence (one class or all) in one
 * action, kept so that it can be undone. Predictions without a confidence are never accepted this
 * way, and ones a person already accepted are left as they are. See docs/evaluation.md#bulk-review.
 */
export async function bulkAccept({ db, d1 }: DataAccess, user: CurrentUser, projectId: string, req: BulkRequest, requestId: string): Promise<z.output<typeof BulkReviewResponse>> {
  await getProject(db, user, projectId, 'write')
  const id = crypto.randomUUID()
  const at = new Date().toISOString()
  const { note, ...filter } = req
  const results = await d1.batch([
    asStatement(d1, db.insert(reviewBatches).values({ id, projectId, userId: user.id, filter, createdAt: at })),
    recordBulkTargets(d1, id, {
      projectId,
      modelName: req.model_name,
      modelVersion: req.model_version,
      minConfidence: req.min_confidence,
      className: req.class_name ?? null,
      annotationTypes: req.annotation_types ?? null,
      includeReviewed: req.include_reviewed,
    }),
    acceptBulkTargets(d1, id, { userId: user.id, at, note: note ?? null }),
    countBulkTargets(d1, id),
    asStatement(d1, userAudit(db, user.id, { action: 'annotations.bulk_reviewed', targetType: 'review_batch', targetId: id, projectId, requestId, details: { ...filter, state: 'accepted' } })),
  ])
  const totals = results[3]!.results[0] as { accepted: number; analyses: number }
  return { undo_token: id, accepted: Number(totals.accepted), analyses: Number(totals.analyses), created_at: at }
}

/** Put a bulk review's predictions back as they were, except those someone has judged again since. */
export async function undoBulk({ db, d1 }: DataAccess, user: CurrentUser, projectId: string, token: string, requestId: string): Promise<z.output<typeof UndoResponse>> {
  await getProject(db, user, projectId, 'write')
  const batch = await db.select().from(reviewBatches).where(and(eq(reviewBatches.id, token), eq(reviewBatches.projectId, projectId))).get()
  if (!batch) throw notFound('Bulk review')
  if (batch.undoneAt) throw new AppError(409, 'conflict', `That bulk review was undone at ${batch.undoneAt}`)
  const at = new Date().toISOString()
  const [restored, marked] = await d1.batch([
    restoreBulkTargets(d1, batch, at),
    asStatement(d1, db.update(reviewBatches).set({ undoneAt: at }).where(and(eq(reviewBatches.id, batch.id), isNull(reviewBatches.undoneAt)))),
    asStatement(d1, userAudit(db, user.id, { action: 'annotations.bulk_review_undone', targetType: 'review_batch', targetId: batch.id, projectId, requestId })),
  ])
  // Two undos raced and the other one won: this one changed nothing (the restore is guarded the same way).
  if (!marked!.meta.changes) throw new AppError(409, 'conflict', 'That bulk review was undone already')
  const n = restored!.meta.changes ?? 0
  return { restored: n, skipped: batch.count - n }
}

export async function listBulkReviews({ db }: DataAccess, user: CurrentUser, projectId: string): Promise<z.output<typeof ReviewBatchList>> {
  await getProject(db, user, projectId, 'read')
  const rows = await db.select().from(reviewBatches).where(eq(reviewBatches.projectId, projectId)).orderBy(desc(reviewBatches.createdAt)).limit(100).all()
  return {
    batches: rows.map((r) => ({
      undo_token: r.id,
      filter: r.filter as z.output<typeof ReviewBatchList>['batches'][number]['filter'],
      accepted: r.count,
      user_id: r.userId,
      created_at: r.createdAt,
      undone_at: r.undoneAt,
    })),
  }
}
