import { and, eq, isNull } from 'drizzle-orm'
import type { Config } from '../../config'
import type { Database } from '../../db/client'
import { pipelineSecrets } from '../../db/schema'
import type { SigningCandidate } from '../../pipeline/hmac'
import { pipelineSecret, rootKeyId, rootKeysOf } from '../../pipeline/secrets'
import type { SecretPurpose } from '../../schemas/pipelines'

/**
 * A pipeline's active secrets of one purpose, derived again from their salts. A secret whose root
 * key is no longer configured cannot be derived, and so no longer verifies.
 */
export async function activeSecrets(db: Database, config: Config, pipelineId: string, purpose: SecretPurpose) {
  if (!config.PIPELINE_SECRETS_KEY.length) return []
  const rows = await db
    .select()
    .from(pipelineSecrets)
    .where(and(eq(pipelineSecrets.pipelineId, pipelineId), eq(pipelineSecrets.purpose, purpose), isNull(pipelineSecrets.revokedAt)))
  const roots = new Map(await Promise.all(rootKeysOf(config).map(async (root) => [await rootKeyId(root), root] as const)))
  const secrets: { id: string; secret: string; createdAt: string }[] = []
  for (const row of rows) {
    const root = roots.get(row.rootKeyId)
    if (root) secrets.push({ id: row.id, secret: await pipelineSecret(root, purpose, row.salt), createdAt: row.createdAt })
  }
  return secrets.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
}

export async function callbackCandidates(db: Database, config: Config, pipelineId: string): Promise<SigningCandidate[]> {
  return (await activeSecrets(db, config, pipelineId, 'callback')).map((s) => ({ id: `pipeline_secret:${s.id}`, scope: 'pipeline', secret: s.secret }))
}
