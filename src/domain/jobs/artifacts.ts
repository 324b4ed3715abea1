import { and, asc, eq } from 'drizzle-orm'
import type { Config } from '../../config'
import type { Database } from '../../db/client'
import { jobArtifacts } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import { ARTIFACT_CONTENT_TYPES, type ArtifactType } from '../../schemas/artifacts'
import type { JobArtifact } from '../../schemas/jobs'
import { downloadUrl, presign } from '../../storage/presign'
import { checkArtifactFilename } from '../artifacts'
import { toJobArtifact } from '../serialize'

/** A job's files (weights, model cards, reports) and its log chunks live under its own prefix. */
export const jobPrefix = (jobId: string) => `jobs/${jobId}/`
export const JOB_PREFIX_ROOT = 'jobs/'


export async function presignJobArtifact(
  db: Database,
  config: Config,
  origin: string,
  jobId: string,
  input: { artifact_type: ArtifactType; filename: string; content_type?: string },
) {
  checkArtifactFilename(input.filename)
  const contentType = input.content_type ?? ARTIFACT_CONTENT_TYPES[input.artifact_type][0]
  const storagePath = jobPrefix(jobId) + input.filename
  // Asking again for the same file refreshes the URL and keeps one row.
  await db
    .insert(jobArtifacts)
    .values({ id: crypto.randomUUID(), jobId, artifactType: input.artifact_type, filename: input.filename, storagePath, contentType })
    .onConflictDoUpdate({ target: jobArtifacts.storagePath, set: { artifactType: input.artifact_type, contentType } })
  const signed = await presign(config, origin, storagePath, { method: 'PUT', contentType, expiresIn: config.ML_PRESIGNED_URL_EXPIRY_SECONDS })
  return { upload_url: signed.url, storage_path: storagePath, expires_at: signed.expiresAt, method: 'PUT' as const, headers: signed.headers }
}

export async function markJobArtifactUploaded(db: Database, storagePath: string, bytes: number, sha256: string | null): Promise<JobArtifact | null> {
  await db.update(jobArtifacts).set({ status: 'uploaded', bytes, sha256, uploadedAt: new Date().toISOString() }).where(eq(jobArtifacts.storagePath, storagePath))
  const row = await db.select().from(jobArtifacts).where(eq(jobArtifacts.storagePath, storagePath)).get()
  return row ? toJobArtifact(row) : null
}

/** Direct-to-R2 uploads nobody reported: confirmed against the bucket when the job ends or names them. */
export async function confirmPendingJobArtifacts(db: Database, bucket: R2Bucket, jobId: string): Promise<JobArtifact[]> {
  const pending = await db.select().from(jobArtifacts).where(and(eq(jobArtifacts.jobId, jobId), eq(jobArtifacts.status, 'pending')))
  const confirmed: JobArtifact[] = []
  for (const a of pending) {
    const head = await bucket.head(a.storagePath)
    const artifact = head ? await markJobArtifactUploaded(db, a.storagePath, head.size, null) : null
    if (artifact) confirmed.push(artifact)
  }
  return confirmed
}

export async function listJobArtifacts(db: Database, jobId: string) {
  const rows = await db.select().from(jobArtifacts).where(eq(jobArtifacts.jobId, jobId)).orderBy(asc(jobArtifacts.createdAt), asc(jobArtifacts.id))
  return rows.map(toJobArtifact)
}

/** A short-lived URL for one of the job's artifacts or log chunks; the caller has checked the job may be read. */
export async function jobArtifactDownload(db: Database, config: Config, origin: string, jobId: string, path: string) {
  const prefix = jobPrefix(jobId)
  if (!path.startsWith(prefix) || path.includes('..') || path.includes('//') || /[\u0000-\u001f\\]/.test(path)) {
    throw new AppError(400, 'validation_error', `storage_path must start with ${prefix} and must not contain ..`, { path: ['storage_path'] })
  }
  const row = await db
    .select({ contentType: jobArtifacts.contentType })
    .from(jobArtifacts)
    .where(and(eq(jobArtifacts.storagePath, path), eq(jobArtifacts.jobId, jobId)))
    .get()
  if (!row && !path.startsWith(`${prefix}logs/`)) throw notFound('Artifact')
  return downloadUrl(config, origin, path, { servedAs: { contentType: row?.contentType } })
}
