import { and, count, desc, eq, isNull, sql } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { sha256Hex, sha256OfStream } from '../digest'
import { authorize, principalRole, projectRole, type Action } from '../auth/permissions'
import { asUser, type Principal } from '../auth/principal'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, images } from '../db/schema'
import { AppError, notFound } from '../errors'
import { MAX_IMAGE_BYTES } from '../schemas/images'
import { presign } from '../storage/presign'
import { userAudit } from './audit'
import { readImageMeta } from './image-meta'
import { toImage } from './serialize'

const IMAGE_URL_TTL_SECONDS = 900

export const imageKey = (projectId: string, imageId: string) => `images/${projectId}/${imageId}`

export function cleanFilename(name: string): string {
  // Keep what a person would recognise, drop what a path or header could abuse.
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255)
  return cleaned || 'image'
}

type ImageFields = Omit<typeof images.$inferInsert, 'id' | 'projectId' | 'storageKey' | 'uploadedById'>

/** A new image's row and its audit entry in one batch: its key, its uploader and its cleaned filename follow from the call. */
const addImage = (db: Database, user: CurrentUser, at: { id: string; projectId: string; action: string; requestId: string }, fields: ImageFields) =>
  db.batch([
    db.insert(images).values({
      ...fields,
      id: at.id,
      projectId: at.projectId,
      filename: cleanFilename(fields.filename),
      storageKey: imageKey(at.projectId, at.id),
      uploadedById: user.id,
    }),
    userAudit(db, user.id, { action: at.action, targetType: 'image', targetId: at.id, projectId: at.projectId, requestId: at.requestId }),
  ])

/** The image row if the caller may do `action` in its project; 404 hides other people's images. */
export async function imageFor(db: Database, principal: Principal, imageId: string, action: Action) {
  const row = await db.select().from(images).where(and(eq(images.id, imageId), isNull(images.deletedAt))).get()
  if (!row) throw notFound('Image')
  const role = authorize(await principalRole(db, row.projectId, principal), action, 'Image')
  return { image: row, role }
}

export const imageForUser = (db: Database, user: CurrentUser, imageId: string, action: Action) => imageFor(db, asUser(user), imageId, action)

export async function storeUploadedImage(
  db: Database,
  bucket: R2Bucket,
  user: CurrentUser,
  projectId: string,
  file: File,
  requestId: string,
) {
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  if (file.size > MAX_IMAGE_BYTES) {
    throw new AppError(413, 'payload_too_large', `Images may be at most ${MAX_IMAGE_BYTES} bytes; use an upload ticket for larger files`)
  }
  const bytes = new Uint8Array(await file.arrayBuffer())
  const meta = readImageMeta(bytes)
  const id = crypto.randomUUID()
  const key = imageKey(projectId, id)
  const sha256 = await sha256Hex(bytes)
  await bucket.put(key, bytes, { httpMetadata: { contentType: meta.contentType }, sha256 })
  const { width, height, contentType } = meta
  const fields = { filename: file.name, contentType, width, height, bytes: bytes.byteLength, sha256, status: 'ready', createdAt: new Date().toISOString() } as const
  try {
    await addImage(db, user, { id, projectId, action: 'image.uploaded', requestId }, fields)
  } catch (err) {
    // No row, no object: never leave an orphan behind a failed insert.
    await bucket.delete(key)
    throw err
  }
  return toImage((await db.select().from(images).where(eq(images.id, id)).get())!)
}

export async function createUploadTicket(
  db: Database,
  config: Config,
  origin: string,
  user: CurrentUser,
  projectId: string,
  input: { filename: string; content_type: string },
  requestId: string,
) {
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  const id = crypto.randomUUID()
  const key = imageKey(projectId, id)
  await addImage(db, user, { id, projectId, action: 'image.upload_ticket', requestId }, { filename: input.filename, contentType: input.content_type, status: 'pending' })
  const signed = await presign(config, origin, key, { method: 'PUT', contentType: input.content_type, expiresIn: config.ML_PRESIGNED_URL_EXPIRY_SECONDS })
  const image = toImage((await db.select().from(images).where(eq(images.id, id)).get())!)
  return { image, upload_url: signed.url, method: 'PUT' as const, headers: signed.headers, expires_at: signed.expiresAt }
}

/** Finishes a ticketed upload: reads the header bytes from R2 for the size, and hashes the object. */
export async function completeUpload(db: Database, bucket: R2Bucket, user: CurrentUser, imageId: string) {
  const { image } = await imageForUser(db, user, imageId, 'write')
  if (image.status === 'ready') return toImage(image)
  const head = await bucket.get(image.storageKey, { range: { offset: 0, length: 512 * 1024 } })
  if (!head) throw new AppError(409, 'conflict', 'Nothing has been uploaded to this ticket yet')
  const meta = readImageMeta(new Uint8Array(await head.arrayBuffer()))
  const full = await bucket.get(image.storageKey)
  const sha256 = await sha256OfStream(full!.body)
  await db
    .update(images)
    .set({ status: 'ready', width: meta.width, height: meta.height, contentType: meta.contentType, bytes: head.size, sha256 })
    .where(eq(images.id, imageId))
  return toImage((await db.select().from(images).where(eq(images.id, imageId)).get())!)
}

const summaryColumns = {
  total: sql<number>`count(${analyses.id})`,
  queued: sql<number>`sum(${analyses.status} = 'queued')`,
  processing: sql<number>`sum(${analyses.status} = 'processing')`,
  completed: sql<number>`sum(${analyses.status} = 'completed')`,
  failed: sql<number>`sum(${analyses.status} = 'failed')`,
  canceled: sql<number>`sum(${analyses.status} = 'canceled')`,
}

export async function listImages(db: Database, principal: Principal, projectId: string, skip: number, limit: number) {
  authorize(await principalRole(db, projectId, principal), 'read', 'Project')
  const live = and(eq(images.projectId, projectId), isNull(images.deletedAt))
  const [rows, total] = await Promise.all([
    db
      .select({ image: images, ...summaryColumns })
      .from(images)
      .leftJoin(analyses, and(eq(analyses.imageId, images.id), isNull(analyses.deletedAt)))
      .where(live)
      .groupBy(images.id)
      .orderBy(desc(images.createdAt), desc(images.id))
      .limit(limit)
      .offset(skip),
    db.select({ n: count() }).from(images).where(live).get(),
  ])
  return {
    images: rows.map(({ image, ...s }) => ({
      ...toImage(image),
      analyses: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Number(v ?? 0)])) as Record<keyof typeof summaryColumns, number>,
    })),
    total: total?.n ?? 0,
    skip,
    limit,
  }
}

export async function getImageWithUrl(db: Database, config: Config, origin: string, principal: Principal, imageId: string) {
  const { image } = await imageFor(db, principal, imageId, 'read')
  // Signed as of the start of a window (half the URL's lifetime) and valid for the lifetime plus
  // that window: every read in the window gets the same URL, so the response's ETag matches
  // (docs/operations.md#conditional-reads), and a URL handed out still has its whole lifetime left.
  const window = (IMAGE_URL_TTL_SECONDS / 2) * 1000
  const signedAt = Math.floor(Date.now() / window) * window
  const expiresIn = IMAGE_URL_TTL_SECONDS + window / 1000
  const signed = await presign(config, origin, image.storageKey, { method: 'GET', expiresIn, signedAt })
  return { ...toImage(image), url: signed.url, url_expires_at: signed.expiresAt }
}
