import { getConfig } from '../config'

// Small batches keep each delete well inside D1's statement limits and short enough not to stall writers.
const BATCH = 5000
const MAX_BATCHES = 200

/** Deletes audit rows older than ML_AUDIT_RETENTION_DAYS; returns how many went. */
export async function pruneAuditLog(env: Env, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - getConfig(env).ML_AUDIT_RETENTION_DAYS * 86_400_000).toISOString()
  const statement = env.DB.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)').bind(cutoff, BATCH)
  let deleted = 0
  for (let i = 0; i < MAX_BATCHES; i++) {
    const changes = (await statement.run()).meta.changes
    deleted += changes
    if (changes < BATCH) break
  }
  return deleted
}
