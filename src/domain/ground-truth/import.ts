import { and, eq, isNull } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import { asStatement, type DataAccess } from '../../db/client'
import { countObjects, deleteImportObjects, deleteUnplaced, type GroundTruthRow, insertGroundTruth, insertImages, MAX_CHUNK_JSON_BYTES, resolveImages } from '../../db/ground-truth-sql'
import { groundTruthImports, images } from '../../db/schema'
import { AppError } from '../../errors'
import { tooLarge } from '../../http/json-body'
import { MAX_GROUND_TRUTH_BYTES, MAX_UNMATCHED_NAMES } from '../../schemas/ground-truth'
import { userAudit } from '../audit'
import { groundTruthRow } from './coco-object'
import { readCocoStream } from './coco-stream'
import { getImport } from './imports'

// Rows wait in the Worker until about this much JSON has gathered, then go to D1 in one batch.
const FLUSH_BYTES = 2 * MAX_CHUNK_JSON_BYTES
const PAIRS_PER_UPDATE = 2000

interface ListedImage {
  imageId: string | null
  width: number | null
  height: number | null
}

/** Project images by the name a COCO file would give them: the base name, the oldest image first. */
async function imagesByName(db: DataAccess['db'], projectId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: images.id, filename: images.filename })
    .from(images)
    .where(and(eq(images.projectId, projectId), isNull(images.deletedAt)))
    .orderBy(images.createdAt, images.id)
  const byName = new Map<string, string>()
  for (const r of rows) if (!byName.has(r.filename)) byName.set(r.filename, r.id)
  return byName
}

const baseName = (fileName: string) => fileName.split(/[\\/]/).pop() ?? fileName

/**
 * Imports a COCO file as the project's ground truth, streaming it into D1. Objects are written
 * while the import is `importing`, which no reader sees; any failure removes them and the import,
 * so a bad file leaves nothing behind. See docs/evaluation.md#ground-truth.
 */
export async function importGroundTruth(
  { db, d1 }: DataAccess,
  user: CurrentUser,
  projectId: string,
  body: ReadableStream<Uint8Array> | null,
  meta: { declaredBytes: number; name?: string; requestId: string },
) {
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  // Refused before a byte is read: the caller said how big it is.
  if (meta.declaredBytes > MAX_GROUND_TRUTH_BYTES) throw tooLarge(MAX_GROUND_TRUTH_BYTES)
  if (!body) throw new AppError(400, 'validation_error', 'Send the COCO file as the request body')
  const byName = await imagesByName(db, projectId)
  const id = crypto.randomUUID()
  await db.insert(groundTruthImports).values({ id, projectId, name: meta.name ?? null, status: 'importing', createdById: user.id })

  const listed = new Map<string, ListedImage>()
  const categories = new Map<number, { id: number; name: string; supercategory?: string | null; keypoints?: string[]; skeleton?: [number, number][] }>()
  const unmatched: string[] = []
  let unmatchedCount = 0
  let pending: string[] = []
  let pendingBytes = 0
  let annotationIndex = 0
  let skippedEarly = 0
  let unresolved = 0

  const chunks = (): string[] => {
    const out: string[] = []
    let current: string[] = []
    let bytes = 2
    for (const row of pending) {
      if (current.length && bytes + row.length + 1 > MAX_CHUNK_JSON_BYTES) {
        out.push(`[${current.join(',')}]`)
        ;(current = []), (bytes = 2)
      }
      current.push(row)
      bytes += row.length + 1
    }
    if (current.length) out.push(`[${current.join(',')}]`)
    return out
  }
  const flush = async () => {
    if (!pending.length) return
    const statements = chunks().map((chunk) => insertGroundTruth(d1, id, chunk))
    ;(pending = []), (pendingBytes = 0)
    await d1.batch(statements)
  }

  try {
    const file = await readCocoStream(body, MAX_GROUND_TRUTH_BYTES, {
      image(image) {
        const key = String(image.id)
        if (listed.has(key)) throw new AppError(400, 'validation_error', `images: id ${key} is listed twice`)
        const imageId = byName.get(baseName(image.file_name)) ?? null
        listed.set(key, { imageId, width: image.width ?? null, height: image.height ?? null })
        if (!imageId && unmatchedCount++ < MAX_UNMATCHED_NAMES) unmatched.push(image.file_name)
      },
      category(category) {
        if (categories.has(category.id)) throw new AppError(400, 'validation_error', `categories: id ${category.id} is listed twice`)
        const { id: catId, name, supercategory, keypoints, skeleton } = category
        categories.set(catId, { id: catId, name, ...(supercategory !== undefined ? { supercategory } : {}), ...(keypoints ? { keypoints } : {}), ...(skeleton ? { skeleton } : {}) })
      },
      annotation(annotation) {
        const image = listed.get(String(annotation.image_id))
        const row: GroundTruthRow = groundTruthRow(annotation, annotationIndex++, image?.imageId ?? null)
        // Already known to match nothing: never written.
        if (image && !image.imageId) return void skippedEarly++
        if (!image) unresolved++
        const json = JSON.stringify(row)
        pending.push(json)
        pendingBytes += json.length + 1
      },
      async drain() {
        if (pendingBytes >= FLUSH_BYTES) await flush()
      },
    })
    await flush()
    if (!listed.size) throw new AppError(400, 'validation_error', 'The file lists no images: a COCO file needs images, annotations and categories')
    const pairs = [...listed].filter(([, v]) => v.imageId).map(([m, v]) => ({ m, i: v.imageId, w: v.width, h: v.height }))
    const writes = []
    for (let i = 0; i < pairs.length; i += PAIRS_PER_UPDATE) {
      const chunk = JSON.stringify(pairs.slice(i, i + PAIRS_PER_UPDATE))
      writes.push(insertImages(d1, id, chunk))
      if (unresolved) writes.push(resolveImages(d1, id, chunk))
    }
    if (writes.length) await d1.batch(writes)
    await deleteUnplaced(d1, id, [...categories.keys()]).run()
    const stored = Number((await countObjects(d1, id).first<{ n: number }>())?.n ?? 0)
    const matched = [...listed.values()].filter((v) => v.imageId).length
    const now = new Date().toISOString()
    await d1.batch([
      asStatement(
        d1,
        db
          .update(groundTruthImports)
          .set({
            status: 'complete',
            completedAt: now,
            fileSha256: file.sha256,
            fileBytes: file.bytes,
            imageCount: listed.size,
            matchedImageCount: matched,
            objectCount: stored,
            skippedObjectCount: annotationIndex - stored,
            categories: [...categories.values()].sort((a, b) => a.id - b.id),
            unmatchedFileNames: unmatched,
          })
          .where(eq(groundTruthImports.id, id)),
      ),
      asStatement(
        d1,
        userAudit(db, user.id, {
          action: 'ground_truth.imported',
          targetType: 'ground_truth_import',
          targetId: id,
          projectId,
          requestId: meta.requestId,
          details: { sha256: file.sha256, bytes: file.bytes, objects: stored, images: matched, skipped_early: skippedEarly },
        }),
      ),
    ])
  } catch (err) {
    await d1.batch([...deleteImportObjects(d1, id), asStatement(d1, db.delete(groundTruthImports).where(eq(groundTruthImports.id, id)))])
    throw err
  }
  return getImport(db, user, id)
}
