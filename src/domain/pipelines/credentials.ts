import { and, count, desc, eq, isNull, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { CurrentUser } from '../../app-env'
import { generateToken, tokenPrefix } from '../../auth/tokens'
import type { Config } from '../../config'
import type { Database } from '../../db/client'
import { pipelineKeys, pipelineSecrets } from '../../db/schema'
import { sha256Hex } from '../../digest'
import { AppError, notFound } from '../../errors'
import { newSalt, pipelineSecret, rootKeyId, rootKeysOf } from '../../pipeline/secrets'
import { MAX_ACTIVE_SECRETS, PIPELINE_KEY_PREFIX, type SecretPurpose } from '../../schemas/pipelines'
import { userAudit, type AuditEntry } from '../audit'
import { pipelineFor } from './registry'

const nowSql = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`

const toKey = (r: typeof pipelineKeys.$inferSelect) => ({
  id: r.id,
  pipeline_id: r.pipelineId,
  name: r.name,
  prefix: r.keyPrefix,
  created_by_id: r.createdById,
  created_at: r.createdAt,
  expires_at: r.expiresAt,
  last_used_at: r.lastUsedAt,
  revoked_at: r.revokedAt,
})

const toSecret = (r: typeof pipelineSecrets.$inferSelect) => ({
  id: r.id,
  pipeline_id: r.pipelineId,
  purpose: r.purpose,
  prefix: r.prefix,
  created_at: r.createdAt,
  revoked_at: r.revokedAt,
})

export { toKey as toPipelineKey }

/** A change to one of a pipeline's credentials and its audit entry, in one batch: always a person acting on the pipeline. */
const audited = (db: Database, user: CurrentUser, change: BatchItem<'sqlite'>, entry: Omit<AuditEntry, 'actorType' | 'actorId'>) =>
  db.batch([change, userAudit(db, user.id, entry)])

/** A new `mlpip_` key, returned once; several may be active, so keys rotate without downtime. */
export async function createPipelineKey(
  db: Database,
  user: CurrentUser,
  pipelineId: string,
  input: { name?: string; expires_in_days?: number },
  requestId: string,
) {
  await pipelineFor(db, user, pipelineId, 'manage')
  const key = generateToken(PIPELINE_KEY_PREFIX)
  const id = crypto.randomUUID()
  const expiresAt = input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000).toISOString() : null
  const prefix = tokenPrefix(key) + '…'
  const change = db.insert(pipelineKeys).values({ id, pipelineId, name: input.name ?? null, keyHash: await sha256Hex(key), keyPrefix: prefix, createdById: user.id, expiresAt })
  const details = { key_prefix: prefix, expires_at: expiresAt }
  await audited(db, user, change, { action: 'pipeline_key.created', targetType: 'pipeline_key', targetId: id, pipelineId, requestId, details })
  return { ...toKey((await db.select().from(pipelineKeys).where(eq(pipelineKeys.id, id)).get())!), key }
}

export async function listPipelineKeys(db: Database, user: CurrentUser, pipelineId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  const rows = await db.select().from(pipelineKeys).where(eq(pipelineKeys.pipelineId, pipelineId)).orderBy(desc(pipelineKeys.createdAt))
  return { keys: rows.map(toKey) }
}

export async function revokePipelineKey(db: Database, user: CurrentUser, pipelineId: string, keyId: string, requestId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  const row = await db.select().from(pipelineKeys).where(and(eq(pipelineKeys.id, keyId), eq(pipelineKeys.pipelineId, pipelineId))).get()
  if (!row) throw notFound('Key')
  if (row.revokedAt) return
  const change = db.update(pipelineKeys).set({ revokedAt: nowSql }).where(eq(pipelineKeys.id, keyId))
  await audited(db, user, change, { action: 'pipeline_key.revoked', targetType: 'pipeline_key', targetId: keyId, pipelineId, requestId, details: { key_prefix: row.keyPrefix } })
}

/**
 * A new HMAC secret, returned once. Two of a purpose may be active: add the new one, move the
 * pipeline over, revoke the old one. Only the salt is stored (docs/security.md).
 */
export async function createPipelineSecret(db: Database, config: Config, user: CurrentUser, pipelineId: string, purpose: SecretPurpose, requestId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  const active = await db
    .select({ n: count() })
    .from(pipelineSecrets)
    .where(and(eq(pipelineSecrets.pipelineId, pipelineId), eq(pipelineSecrets.purpose, purpose), isNull(pipelineSecrets.revokedAt)))
    .get()
  if ((active?.n ?? 0) >= MAX_ACTIVE_SECRETS) {
    throw new AppError(409, 'conflict', `This pipeline already has ${MAX_ACTIVE_SECRETS} active ${purpose} secrets; revoke one first`, { max_active: MAX_ACTIVE_SECRETS })
  }
  const root = rootKeysOf(config)[0]!
  const salt = newSalt()
  const secret = await pipelineSecret(root, purpose, salt)
  const id = crypto.randomUUID()
  const prefix = secret.slice(0, 12) + '…'
  const change = db.insert(pipelineSecrets).values({ id, pipelineId, purpose, salt, rootKeyId: await rootKeyId(root), prefix })
  await audited(db, user, change, { action: 'pipeline_secret.created', targetType: 'pipeline_secret', targetId: id, pipelineId, requestId, details: { purpose, prefix } })
  return { ...toSecret((await db.select().from(pipelineSecrets).where(eq(pipelineSecrets.id, id)).get())!), secret }
}

export async function listPipelineSecrets(db: Database, user: CurrentUser, pipelineId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  const rows = await db.select().from(pipelineSecrets).where(eq(pipelineSecrets.pipelineId, pipelineId)).orderBy(desc(pipelineSecrets.createdAt))
  return { secrets: rows.map(toSecret) }
}

export async function revokePipelineSecret(db: Database, user: CurrentUser, pipelineId: string, secretId: string, requestId: string) {
  await pipelineFor(db, user, pipelineId, 'manage')
  const row = await db.select().from(pipelineSecrets).where(and(eq(pipelineSecrets.id, secretId), eq(pipelineSecrets.pipelineId, pipelineId))).get()
  if (!row) throw notFound('Secret')
  if (row.revokedAt) return
  const change = db.update(pipelineSecrets).set({ revokedAt: nowSql }).where(eq(pipelineSecrets.id, secretId))
  const details = { purpose: row.purpose, prefix: row.prefix }
  await audited(db, user, change, { action: 'pipeline_secret.revoked', targetType: 'pipeline_secret', targetId: secretId, pipelineId, requestId, details })
}
