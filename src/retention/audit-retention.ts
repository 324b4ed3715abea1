import { inArray, lt } from 'drizzle-orm'
import { getConfig } from '../config'
import { connect } from '../db/client'
import { auditLog } from '../db/schema'

// Small batches keep each delete well inside D1's statement limits and short enough not to stall writers.
const BATCH = 5000
const MAX_BATCHES = 200

/** Deletes audit rows older than ML_AUDIT_RETENTION_DAYS; returns how many went. */
export async function pruneAuditLog(env: Env, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - getConfig(env).ML_AUDIT_RETENTION_DAYS * 86_400_000).toISOString()
  const { db } = connect(env.DB)
  const oldest = db.select({ id: auditLog.id }).from(auditLog).where(lt(auditLog.at, cutoff)).orderBy(auditLog.id).limit(BATCH)
  const statement = db.delete(auditLog).where(inArray(auditLog.id, oldest))
  let deleted = 0
  for (let i = 0; i < MAX_BATCHES; i++) {
    const changes = (await statement.run()).meta.changes
    deleted += changes
    if (changes < BATCH) break
  }
  return deleted
}
