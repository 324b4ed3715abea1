import { eq } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import type { Database } from '../db/client'
import { reviewedEmptyImageRows, type ReviewedEmptyImageRow } from '../db/export-sql'
import { imageReviews } from '../db/schema'
import { notFound } from '../errors'
import type { ReviewMark } from '../schemas/ground-truth'
import { userAudit } from './audit'
import { imageForUser } from './images'

/**
 * A person's word on a whole image. "Reviewed and empty" must never read as "not labelled yet":
 * evaluations from reviews count such an image (every prediction on it a false positive), and
 * exports keep it as an image with zero annotations. See docs/evaluation.md#review-marks.
 */

const toReviewMark = (r: typeof imageReviews.$inferSelect): ReviewMark => ({
  image_id: r.imageId,
  state: r.state,
  note: r.note,
  reviewed_by_id: r.reviewedById,
  reviewed_at: r.reviewedAt,
})

export async function reviewMarkOf(db: Database, imageId: string): Promise<ReviewMark | null> {
  const row = await db.select().from(imageReviews).where(eq(imageReviews.imageId, imageId)).get()
  return row ? toReviewMark(row) : null
}

export async function getReviewMark(db: Database, user: CurrentUser, imageId: string): Promise<ReviewMark> {
  await imageForUser(db, user, imageId, 'read')
  const mark = await reviewMarkOf(db, imageId)
  if (!mark) throw notFound('Review mark')
  return mark
}

export async function setReviewMark(
  db: Database,
  user: CurrentUser,
  imageId: string,
  input: { state: ReviewMark['state']; note?: string | null },
  requestId: string,
): Promise<ReviewMark> {
  const { image } = await imageForUser(db, user, imageId, 'write')
  const values = { imageId, projectId: image.projectId, state: input.state, note: input.note ?? null, reviewedById: user.id, reviewedAt: new Date().toISOString() }
  await db.batch([
    db.insert(imageReviews).values(values).onConflictDoUpdate({ target: imageReviews.imageId, set: values }),
    userAudit(db, user.id, {
      action: 'image.review_marked',
      targetType: 'image',
      targetId: imageId,
      projectId: image.projectId,
      requestId,
      details: { state: input.state },
    }),
  ])
  return toReviewMark(values)
}

export async function clearReviewMark(db: Database, user: CurrentUser, imageId: string, requestId: string): Promise<void> {
  const { image } = await imageForUser(db, user, imageId, 'write')
  const existing = await reviewMarkOf(db, imageId)
  if (!existing) throw notFound('Review mark')
  await db.batch([
    db.delete(imageReviews).where(eq(imageReviews.imageId, imageId)),
    userAudit(db, user.id, { action: 'image.review_cleared', targetType: 'image', targetId: imageId, projectId: image.projectId, requestId }),
  ])
}

/** A ready image of the project marked reviewed and empty, as the dataset export lists images. */
export type ReviewedEmptyImage = ReviewedEmptyImageRow

/**
 * The project's images marked reviewed and empty, for the dataset export: each belongs in the
 * dataset with zero annotations, whether or not a model labelled it.
 */
export async function reviewedEmptyImages(d1: D1Database, projectId: string): Promise<ReviewedEmptyImage[]> {
  const { results } = await reviewedEmptyImageRows(d1, projectId).all<ReviewedEmptyImage>()
  return results
}
