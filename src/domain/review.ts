import { eq } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import type { DataAccess } from '../db/client'
import { annotations } from '../db/schema'
import { notFound } from '../errors'
import { analysisForUser } from './analyses'
import { userAudit } from './audit'
import { annotationFromRow, selectById } from '../db/annotation-sql'

/** Accept, reject or reset one prediction; editors and owners review, viewers only look. */
export async function reviewAnnotation(
  { db, d1 }: DataAccess,
  user: CurrentUser,
  annotationId: string,
  input: { state: 'unreviewed' | 'accepted' | 'rejected'; note?: string | null },
  requestId: string,
) {
  const row = await db.select({ analysisId: annotations.analysisId }).from(annotations).where(eq(annotations.id, annotationId)).get()
  if (!row) throw notFound('Annotation')
  const { analysis } = await analysisForUser(db, user, row.analysisId, 'write')
  const reviewed = input.state !== 'unreviewed'
  const now = new Date().toISOString()
  await db.batch([
    db
      .update(annotations)
      .set({
        reviewState: input.state,
        reviewNote: reviewed ? (input.note ?? null) : null,
        reviewedById: reviewed ? user.id : null,
        reviewedAt: reviewed ? now : null,
        updatedAt: now,
      })
      .where(eq(annotations.id, annotationId)),
    userAudit(db, user.id, {
      action: 'annotation.reviewed',
      targetType: 'annotation',
      targetId: annotationId,
      projectId: analysis.project_id,
      requestId,
      details: { state: input.state },
    }),
  ])
  const annotation = annotationFromRow((await selectById(d1, annotationId).first())!)
  return { analysis, annotation }
}
