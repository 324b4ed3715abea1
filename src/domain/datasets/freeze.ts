import { and, count, eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { inJson } from '../../db/in-json'
import { analyses, datasetSnapshots } from '../../db/schema'
import { toHex } from '../../digest'
import { PROJECT_DATASETS, projectDataset } from '../exports/project'
import { zipStream } from '../exports/stream'
import { R2Writer } from './r2-writer'

type SnapshotRow = typeof datasetSnapshots.$inferSelect
type Source = NonNullable<SnapshotRow['sources']>[number]

const IDS_PER_QUERY = 2000

/**
 * Freezes a pending snapshot: the project's export, streamed into R2 and through SHA-256 at once,
 * then marked ready with its hash, once. The bytes are never written again, so the hash describes
 * them forever. A snapshot that is no longer pending is left alone (a retried alarm after success).
 */
export async function freezeSnapshot(db: Database, d1: D1Database, bucket: R2Bucket, snapshotId: string, project: { id: string; name: string }) {
  const snapshot = await db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, snapshotId)).get()
  if (!snapshot || snapshot.status !== 'pending') return snapshot ?? null
  const dataset = await projectDataset(d1, bucket, project, { format: snapshot.format, model: snapshot.modelName ?? undefined, review: snapshot.review })
  const digest = new crypto.DigestStream('SHA-256')
  const hashing = digest.getWriter()
  const writer = new R2Writer(bucket, snapshot.storageKey, {
    httpMetadata: { contentType: 'application/zip' },
    customMetadata: { snapshot_id: snapshot.id, project_id: project.id },
  })
  try {
    for await (const chunk of zipStream(PROJECT_DATASETS[snapshot.format](dataset))) {
      await hashing.write(chunk)
      await writer.write(chunk)
    }
    await hashing.close()
    const sha256 = toHex(await digest.digest)
    await writer.close(sha256)
    const sources = await sourcesOf(db, dataset.images.map((i) => i.analysis.id))
    await db
      .update(datasetSnapshots)
      .set({ status: 'ready', sha256, bytes: writer.bytes, imageCount: dataset.images.length, sources, frozenAt: new Date().toISOString() })
      .where(and(eq(datasetSnapshots.id, snapshot.id), eq(datasetSnapshots.status, 'pending')))
  } catch (err) {
    await writer.abort()
    throw err
  }
  return (await db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, snapshot.id)).get())!
}

export async function failSnapshot(db: Database, snapshotId: string, message: string) {
  await db
    .update(datasetSnapshots)
    .set({ status: 'failed', errorMessage: message.slice(0, 2000) })
    .where(and(eq(datasetSnapshots.id, snapshotId), eq(datasetSnapshots.status, 'pending')))
}

/** Which model versions' analyses label the snapshot's images: the link from reviews to the next snapshot. */
async function sourcesOf(db: Database, analysisIds: string[]): Promise<Source[]> {
  const merged = new Map<string, Source>()
  for (let i = 0; i < analysisIds.length; i += IDS_PER_QUERY) {
    const results = await db
      .select({ model_version_id: analyses.modelVersionId, model_name: analyses.modelName, model_version: analyses.modelVersion, analyses: count() })
      .from(analyses)
      .where(inJson(analyses.id, analysisIds.slice(i, i + IDS_PER_QUERY)))
      .groupBy(analyses.modelVersionId, analyses.modelName, analyses.modelVersion)
    for (const r of results) {
      const key = `${r.model_version_id}|${r.model_name}|${r.model_version}`
      const seen = merged.get(key)
      merged.set(key, { ...r, analyses: r.analyses + (seen?.analyses ?? 0) })
    }
  }
  return [...merged.values()].sort((a, b) => b.analyses - a.analyses)
}
