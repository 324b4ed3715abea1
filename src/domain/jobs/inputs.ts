import { eq } from 'drizzle-orm'
import type { Config } from '../../config'
import type { Database } from '../../db/client'
import { datasetSnapshots, modelVersions } from '../../db/schema'
import { AppError } from '../../errors'
import type { Job } from '../../schemas/jobs'
import { toModelVersion, toSnapshot } from '../serialize'
import { downloadUrl } from '../../storage/presign'
import { targetPage } from './targets'

/**
 * What a pipeline needs to run a job, with short-lived URLs: the frozen dataset (the same bytes for
 * every job that reuses it) and the stored artifacts of the version the job applies.
 */
export async function jobInputs(db: Database, config: Config, origin: string, job: Job) {
  const [snapshot, version] = await Promise.all([
    job.dataset_snapshot_id ? db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, job.dataset_snapshot_id)).get() : undefined,
    job.model_version_id ? db.select().from(modelVersions).where(eq(modelVersions.id, job.model_version_id)).get() : undefined,
  ])
  let dataset = null
  if (snapshot) {
    const url = snapshot.status === 'ready' ? await downloadUrl(config, origin, snapshot.storageKey) : null
    dataset = { ...toSnapshot(snapshot), download_url: url?.download_url ?? null, expires_at: url?.expires_at ?? null }
  }
  let model_version = null
  if (version) {
    const v = toModelVersion(version)
    const artifacts = await Promise.all(
      v.artifacts.map(async (a) => ({ ...a, download_url: a.storage_path ? (await downloadUrl(config, origin, a.storage_path)).download_url : null })),
    )
    model_version = { ...v, artifacts }
  }
  return { job, dataset, model_version }
}

/** Cursors are opaque to pipelines; inside they are the rowid of the last image of the page. */
const decodeCursor = (cursor: string | undefined): number => {
  if (cursor === undefined) return 0
  const n = Number.parseInt(cursor, 36)
  if (!/^[0-9a-z]+$/.test(cursor) || !Number.isSafeInteger(n)) throw new AppError(400, 'validation_error', 'cursor: not a cursor this API gave', { path: ['cursor'] })
  return n
}

/** A page of the images a batch covers, each with a download URL and the batch's analysis of it so far. */
export async function batchImagesPage(d1: D1Database, config: Config, origin: string, job: Job, q: { cursor?: string; limit: number }) {
  if (job.kind !== 'batch_inference') throw new AppError(409, 'conflict', `A ${job.kind} job has no batch of images; only batch_inference does`, { kind: job.kind })
  const rows = await targetPage(d1, job.id, decodeCursor(q.cursor), q.limit)
  const images = await Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      filename: r.filename,
      content_type: r.content_type,
      width: r.width,
      height: r.height,
      ...(await downloadUrl(config, origin, r.storage_key)),
      analysis: r.analysis_id ? { id: r.analysis_id, status: r.analysis_status! } : null,
    })),
  )
  const next = rows.length === q.limit ? rows.at(-1)!.rowid.toString(36) : null
  return { images, total: job.batch_total ?? 0, next_cursor: next }
}
