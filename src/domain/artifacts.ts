import { and, eq, isNull } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { inJson } from '../db/in-json'
import { analyses, artifacts } from '../db/schema'
import type { CurrentUser } from '../app-env'
import { AppError, notFound } from '../errors'
import { Uuid } from '../schemas/common'
import { isTerminal } from '../schemas/runs'
import { analysisForUser } from './analyses'
import { ARTIFACT_CONTENT_TYPES, type Artifact, type ArtifactType } from '../schemas/artifacts'
import { downloadUrl, presign } from '../storage/presign'
import { artifactObjectKey, sealArtifacts } from '../storage/sealed-artifacts'
import { toArtifact } from './serialize'

export const artifactPath = (analysisId: string, filename: string) => `ml_outputs/${analysisId}/${filename}`

/** A filename becomes one path segment under the analysis: no separators, no traversal, no control bytes. */
export function checkArtifactFilename(filename: string): void {
  const bad = (why: string) => new AppError(400, 'validation_error', `filename ${why}`, { path: ['filename'] })
  if (new TextEncoder().encode(filename).byteLength > 255) throw bad('must be at most 255 bytes')
  if (/[\u0000-\u001f\u007f]/.test(filename)) throw bad('must not contain control characters')
  if (filename.includes('/') || filename.includes('\\')) throw bad('must not contain / or \\')
  if (filename === '.' || filename.includes('..')) throw bad('must not contain ..')
}

/** Storage paths users may ask a download for: our prefix, no traversal, no empty segments. */
export function checkDownloadPath(path: string): void {
  if (!path.startsWith('ml_outputs/') || path.includes('..') || path.includes('//') || /[\u0000-\u001f\\]/.test(path)) {
    throw new AppError(400, 'validation_error', 'storage_path must start with ml_outputs/ and must not contain ..', { path: ['storage_path'] })
  }
}

export async function presignArtifact(
  db: Database,
  config: Config,
  origin: string,
  analysisId: string,
  input: { artifact_type: ArtifactType; filename: string; content_type?: string; content_length?: number },
) {
  checkArtifactFilename(input.filename)
  // The schema has checked content_type against the artifact type's list; the first is the default.
  const contentType = input.content_type ?? ARTIFACT_CONTENT_TYPES[input.artifact_type][0]
  const storagePath = artifactPath(analysisId, input.filename)
  // Presigning is idempotent: asking again for the same file refreshes the URL, keeps one row.
  await db
    .insert(artifacts)
    .values({ id: crypto.randomUUID(), analysisId, artifactType: input.artifact_type, filename: input.filename, storagePath, contentType })
    .onConflictDoUpdate({ target: artifacts.storagePath, set: { artifactType: input.artifact_type, contentType } })
  const signed = await presign(config, origin, storagePath, {
    method: 'PUT',
    contentType,
    expiresIn: config.ML_PRESIGNED_URL_EXPIRY_SECONDS,
  })
  return { upload_url: signed.url, storage_path: storagePath, expires_at: signed.expiresAt, method: 'PUT' as const, headers: signed.headers }
}

/**
 * A finished analysis's artifacts are what its exports and provenance bundle attest, so an upload
 * URL issued before the end may not write after it, neither a new file nor over an old one.
 * Checked before the first byte is stored; see docs/security.md for direct-to-R2 URLs.
 */
export async function assertArtifactWritable(db: Database, storagePath: string): Promise<void> {
  const analysisId = storagePath.split('/')[1] ?? ''
  const row = await db.select({ status: analyses.status }).from(analyses).where(eq(analyses.id, analysisId)).get()
  if (!row) throw notFound('Analysis')
  if (isTerminal(row.status)) {
    const code = row.status === 'canceled' ? 'analysis_canceled' : 'analysis_finalized'
    throw new AppError(409, code, `Analysis is ${row.status}: its artifacts can no longer change`, { status: row.status })
  }
}

/** Marks an artifact uploaded once its bytes are in R2; used by the upload route and by lazy checks. */
export async function markArtifactUploaded(db: Database, storagePath: string, bytes: number, sha256: string | null) {
  await db
    .update(artifacts)
    .set({ status: 'uploaded', bytes, sha256, uploadedAt: new Date().toISOString() })
    .where(eq(artifacts.storagePath, storagePath))
  const row = await db.select().from(artifacts).where(eq(artifacts.storagePath, storagePath)).get()
  return row ? toArtifact(row) : null
}

/**
 * With direct-to-R2 URLs nobody tells the Worker an upload finished, so pending artifacts are
 * confirmed against the bucket when something refers to them (`paths`), or all at once when the
 * run ends. Returns the artifacts that turned out to be uploaded, for the live `artifact` event.
 */
export async function confirmPendingArtifacts(db: Database, bucket: R2Bucket, analysisId: string, paths: readonly string[] | 'all') {
  if (paths !== 'all' && !paths.length) return []
  const pending = await db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.analysisId, analysisId), eq(artifacts.status, 'pending'), paths === 'all' ? undefined : inJson(artifacts.storagePath, paths)))
  const confirmed: Artifact[] = []
  for (const a of pending) {
    const head = await bucket.head(a.storagePath)
    const artifact = head ? await markArtifactUploaded(db, a.storagePath, head.size, null) : null
    if (artifact) confirmed.push(artifact)
  }
  return confirmed
}

/**
 * Seals, as the run ends, the artifacts that reached R2 without passing through the Worker (those
 * with no recorded hash: direct-to-R2 uploads), and records the hash of what was sealed.
 */
export async function sealDirectUploads(db: Database, bucket: R2Bucket, analysisId: string): Promise<void> {
  const direct = await db
    .select({ storagePath: artifacts.storagePath })
    .from(artifacts)
    .where(and(eq(artifacts.analysisId, analysisId), eq(artifacts.status, 'uploaded'), isNull(artifacts.sha256)))
  for (const s of await sealArtifacts(bucket, direct.map((a) => a.storagePath))) {
    await db.update(artifacts).set({ bytes: s.bytes, sha256: s.sha256 }).where(eq(artifacts.storagePath, s.storagePath))
  }
}

/**
 * A short-lived URL for one artifact, or a log chunk, of an analysis the user can read. Logs are
 * written by the platform itself and have no artifact row.
 */
export async function artifactDownload(db: Database, bucket: R2Bucket, config: Config, origin: string, user: CurrentUser, path: string) {
  checkDownloadPath(path)
  const analysisId = path.split('/')[1]!
  if (!Uuid.safeParse(analysisId).success) throw notFound('Artifact')
  const { analysis } = await analysisForUser(db, user, analysisId, 'read')
  const row = await db
    .select({ contentType: artifacts.contentType, status: artifacts.status })
    .from(artifacts)
    .where(and(eq(artifacts.storagePath, path), eq(artifacts.analysisId, analysisId)))
    .get()
  if (!row) {
    if (!path.startsWith(`ml_outputs/${analysisId}/logs/`)) throw notFound('Artifact')
    return downloadUrl(config, origin, path, { servedAs: {} })
  }
  // A finished analysis has the artifacts it had at its end: one still pending then never arrived,
  // and one uploaded is read from its sealed copy when it has one.
  if (!isTerminal(analysis.status)) return downloadUrl(config, origin, path, { servedAs: { contentType: row.contentType } })
  if (row.status !== 'uploaded') throw notFound('Artifact')
  return downloadUrl(config, origin, await artifactObjectKey(bucket, path), { servedAs: { contentType: row.contentType } })
}
