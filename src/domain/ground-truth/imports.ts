import { and, count, desc, eq } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import { asStatement, type DataAccess, type Database } from '../../db/client'
import { deleteImportObjects, objectsOfImage, type StoredGroundTruth } from '../../db/ground-truth-sql'
import { groundTruthImports } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import type { GroundTruthImport, GroundTruthObject } from '../../schemas/ground-truth'
import { userAudit } from '../audit'
import { imageForUser } from '../images'
import { reviewMarkOf } from '../review-marks'

type ImportRow = typeof groundTruthImports.$inferSelect

export const toGroundTruthImport = (r: ImportRow): GroundTruthImport => ({
  id: r.id,
  project_id: r.projectId,
  name: r.name,
  status: r.status,
  error_message: r.errorMessage,
  created_by_id: r.createdById,
  created_at: r.createdAt,
  completed_at: r.completedAt,
  file_sha256: r.fileSha256,
  file_bytes: r.fileBytes,
  counts: {
    images: r.imageCount,
    matched_images: r.matchedImageCount,
    unmatched_images: r.imageCount - r.matchedImageCount,
    objects: r.objectCount,
    skipped_objects: r.skippedObjectCount,
    categories: r.categories?.length ?? 0,
  },
  categories: r.categories ?? [],
  unmatched_file_names: r.unmatchedFileNames ?? [],
})

/** The import if the user may do `action` in its project; 404 for everyone else. */
export async function importForUser(db: Database, user: CurrentUser, importId: string, action: 'read' | 'write' = 'read') {
  const row = await db.select().from(groundTruthImports).where(eq(groundTruthImports.id, importId)).get()
  if (!row) throw notFound('Ground-truth import')
  authorize(await projectRole(db, row.projectId, user.id), action, 'Ground-truth import')
  return row
}

export const getImport = async (db: Database, user: CurrentUser, importId: string) => toGroundTruthImport(await importForUser(db, user, importId))

export async function listImports(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const where = eq(groundTruthImports.projectId, projectId)
  const [rows, total] = await Promise.all([
    db.select().from(groundTruthImports).where(where).orderBy(desc(groundTruthImports.createdAt), desc(groundTruthImports.id)),
    db.select({ n: count() }).from(groundTruthImports).where(where).get(),
  ])
  return { imports: rows.map(toGroundTruthImport), total: total?.n ?? 0 }
}

/** The project's newest complete import: what "the ground truth" means when none is named. */
export async function latestImport(db: Database, projectId: string): Promise<ImportRow | null> {
  return (
    (await db
      .select()
      .from(groundTruthImports)
      .where(and(eq(groundTruthImports.projectId, projectId), eq(groundTruthImports.status, 'complete')))
      .orderBy(desc(groundTruthImports.createdAt), desc(groundTruthImports.id))
      .limit(1)
      .get()) ?? null
  )
}

/** Removes an import and its objects in one batch; evaluations made from it keep their results. */
export async function deleteImport({ db, d1 }: DataAccess, user: CurrentUser, importId: string, requestId: string) {
  const row = await importForUser(db, user, importId, 'write')
  if (row.status === 'importing') throw new AppError(409, 'conflict', 'This import is still running')
  await d1.batch([
    ...deleteImportObjects(d1, importId),
    asStatement(d1, db.delete(groundTruthImports).where(eq(groundTruthImports.id, importId))),
    asStatement(
      d1,
      userAudit(db, user.id, {
        action: 'ground_truth.deleted',
        targetType: 'ground_truth_import',
        targetId: importId,
        projectId: row.projectId,
        requestId,
        details: { objects: row.objectCount },
      }),
    ),
  ])
}

export function toGroundTruthObject(r: StoredGroundTruth, className: string): GroundTruthObject {
  return {
    id: r.id,
    import_id: r.import_id,
    image_id: r.image_id,
    coco_id: r.coco_id,
    class_name: className,
    bbox: r.bbox_w === null ? null : [r.bbox_x!, r.bbox_y!, r.bbox_w, r.bbox_h!],
    area: r.area,
    iscrowd: Boolean(r.iscrowd),
    segmentation: r.segmentation ? JSON.parse(r.segmentation) : null,
    keypoints: r.keypoints ? JSON.parse(r.keypoints) : null,
    num_keypoints: r.num_keypoints,
  }
}

export const categoryNames = (row: Pick<ImportRow, 'categories'>) => new Map((row.categories ?? []).map((c) => [c.id, c.name]))

/** One image's ground truth from one import (the latest by default), and its review mark. */
export async function imageGroundTruth({ db, d1 }: DataAccess, user: CurrentUser, imageId: string, importId?: string) {
  const { image } = await imageForUser(db, user, imageId, 'read')
  const row = importId ? await importForUser(db, user, importId) : await latestImport(db, image.projectId)
  if (row && row.projectId !== image.projectId) throw notFound('Ground-truth import')
  if (row && row.status !== 'complete') throw new AppError(409, 'conflict', 'This import has not finished')
  const names = row ? categoryNames(row) : new Map<number, string>()
  const objects = row ? (await objectsOfImage(d1, row.id, imageId).all<StoredGroundTruth>()).results : []
  return {
    image_id: imageId,
    import: row ? { id: row.id, name: row.name, created_at: row.createdAt, categories: row.categories ?? [] } : null,
    objects: objects.map((o) => toGroundTruthObject(o, names.get(o.category_id) ?? String(o.category_id))),
    review_mark: await reviewMarkOf(db, imageId),
  }
}
