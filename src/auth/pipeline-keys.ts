import { and, eq, isNull } from 'drizzle-orm'
import type { PipelinePrincipal } from '../app-env'
import type { Database } from '../db/client'
import { pipelineKeys, pipelines } from '../db/schema'
import { sha256Hex } from '../digest'
import { auditInsert } from '../domain/audit'
import { AppError } from '../errors'
import { PIPELINE_KEY_PREFIX } from '../schemas/pipelines'

// last_used_at is written at most once a minute, and a `pipeline_key.used` audit row at most once an hour.
const LAST_USED_GRANULARITY_MS = 60_000
const USE_AUDIT_GRANULARITY_MS = 3_600_000

export interface ResolvedPipelineKey {
  principal: PipelinePrincipal
  lastUsedAt: string | null
}

/**
 * The pipeline behind a key. Malformed, unknown, revoked and expired keys, and keys of deleted
 * pipelines, are all 401 with one message, so the answer says nothing about which; a disabled
 * pipeline's key is 403, because its owner turned it off on purpose.
 */
export async function resolvePipelineKey(db: Database, key: string): Promise<ResolvedPipelineKey> {
  const invalid = new AppError(401, 'unauthorized', 'Invalid, expired or revoked pipeline key')
  if (!key.startsWith(PIPELINE_KEY_PREFIX) || key.length > 200) throw invalid
  const row = await db
    .select({ key: pipelineKeys, pipeline: pipelines })
    .from(pipelineKeys)
    .innerJoin(pipelines, eq(pipelines.id, pipelineKeys.pipelineId))
    .where(and(eq(pipelineKeys.keyHash, await sha256Hex(key)), isNull(pipelineKeys.revokedAt), isNull(pipelines.deletedAt)))
    .get()
  if (!row || (row.key.expiresAt && row.key.expiresAt <= new Date().toISOString())) throw invalid
  if (row.pipeline.disabledAt) throw new AppError(403, 'pipeline_disabled', 'This pipeline is disabled; its owner can enable it again')
  return {
    principal: {
      id: row.pipeline.id,
      name: row.pipeline.name,
      modelNames: row.pipeline.modelNames,
      jobKinds: row.pipeline.jobKinds,
      keyId: row.key.id,
      keyPrefix: row.key.keyPrefix,
    },
    lastUsedAt: row.key.lastUsedAt,
  }
}

/** Records that a key was used, coarsely: enough to spot a dead or a stolen key, not a write per request. */
export async function touchPipelineKey(db: Database, resolved: ResolvedPipelineKey, ip: string | null, requestId: string) {
  const now = Date.now()
  const last = resolved.lastUsedAt ? Date.parse(resolved.lastUsedAt) : 0
  if (now - last < LAST_USED_GRANULARITY_MS) return
  const at = new Date(now).toISOString()
  const update = db.update(pipelineKeys).set({ lastUsedAt: at }).where(eq(pipelineKeys.id, resolved.principal.keyId))
  if (Math.floor(now / USE_AUDIT_GRANULARITY_MS) === Math.floor(last / USE_AUDIT_GRANULARITY_MS)) return void (await update)
  const { principal } = resolved
  await db.batch([
    update,
    auditInsert(db, {
      actorType: 'pipeline',
      actorId: principal.id,
      action: 'pipeline_key.used',
      targetType: 'pipeline_key',
      targetId: principal.keyId,
      pipelineId: principal.id,
      requestId,
      details: { key_prefix: principal.keyPrefix, ip },
    }),
  ])
}
