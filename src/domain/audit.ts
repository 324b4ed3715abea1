import type { Database } from '../db/client'
import { auditLog } from '../db/schema'

export interface AuditEntry {
  actorType: 'user' | 'pipeline' | 'system'
  actorId?: string | null
  action: string
  targetType?: string
  targetId?: string
  projectId?: string | null
  requestId?: string
  details?: Record<string, unknown>
}

export function auditInsert(db: Database, e: AuditEntry) {
  return db.insert(auditLog).values({
    actorType: e.actorType,
    actorId: e.actorId ?? null,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    projectId: e.projectId ?? null,
    requestId: e.requestId ?? null,
    details: e.details ?? null,
  })
}
