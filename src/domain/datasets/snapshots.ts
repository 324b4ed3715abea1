import { and, count, desc, eq } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { Database } from '../../db/client'
import { datasetSnapshots } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import { toSnapshot } from '../serialize'

/** Snapshots live under their own prefix, apart from anything a presigned upload may write. */
export const snapshotKey = (projectId: string, snapshotId: string, format: string) => `datasets/${projectId}/${snapshotId}.${format}.zip`

export async function listSnapshots(db: Database, user: CurrentUser, projectId: string, page: { skip: number; limit: number }) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const where = eq(datasetSnapshots.projectId, projectId)
  const [rows, total] = await Promise.all([
    db.select().from(datasetSnapshots).where(where).orderBy(desc(datasetSnapshots.createdAt), desc(datasetSnapshots.id)).limit(page.limit).offset(page.skip),
    db.select({ n: count() }).from(datasetSnapshots).where(where).get(),
  ])
  return { snapshots: rows.map(toSnapshot), total: total?.n ?? 0 }
}

export async function snapshotForUser(db: Database, user: CurrentUser, snapshotId: string) {
  const row = await db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, snapshotId)).get()
  if (!row) throw notFound('Dataset snapshot')
  authorize(await projectRole(db, row.projectId, user.id), 'read', 'Dataset snapshot')
  return row
}

export const snapshotById = (db: Database, id: string, projectId: string) =>
  db.select().from(datasetSnapshots).where(and(eq(datasetSnapshots.id, id), eq(datasetSnapshots.projectId, projectId))).get()

/**
 * The frozen bytes, streamed from R2, with their SHA-256 as `Repr-Digest` (RFC 9530) so a client
 * can check what it got against what the job and the model version record.
 */
export async function snapshotDownload(bucket: R2Bucket, row: typeof datasetSnapshots.$inferSelect): Promise<Response> {
  if (row.status !== 'ready' || !row.sha256) {
    throw new AppError(409, 'conflict', `The snapshot is ${row.status}; it can be downloaded once it is ready`, { status: row.status })
  }
  const object = await bucket.get(row.storageKey)
  if (!object) throw notFound('Dataset snapshot bytes')
  const base64 = btoa(String.fromCharCode(...(row.sha256.match(/../g) ?? []).map((h) => parseInt(h, 16))))
  return new Response(object.body, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Length': String(object.size),
      'Content-Disposition': `attachment; filename="dataset_${row.id}.${row.format}.zip"`,
      'Repr-Digest': `sha-256=:${base64}:`,
      'X-Content-SHA256': row.sha256,
      ETag: `"${row.sha256}"`,
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
