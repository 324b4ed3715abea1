import type { Database } from '../../db/client'
import type { RunLifecycle } from '../../schemas/runs'
import { auditInsert, type AuditEntry } from '../audit'

/** The lifecycle columns every run's table has, as the run's object holds them. */
export const lifecycleColumns = (s: RunLifecycle) => ({
  status: s.status,
  errorMessage: s.error_message,
  statusReason: s.status_reason ?? null,
  progress: s.progress,
  stage: s.stage,
  startedAt: s.started_at,
  completedAt: s.completed_at,
  updatedAt: s.updated_at,
  version: s.version,
})

/** Runs a kind's write-through, with its audit row in the same batch when there is one. */
export async function withAudit(db: Database, update: Parameters<Database['batch']>[0][number], audit: AuditEntry | null): Promise<void> {
  if (audit) await db.batch([update, auditInsert(db, audit)])
  else await update
}
