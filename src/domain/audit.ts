import type { Database } from '../db/client'
import { auditLog } from '../db/schema'
import type { ActorType } from '../schemas/audit'

export interface AuditEntry {
  actorType: ActorType
  actorId?: string | null
  action: string
  targetType?: string
  targetId?: string
  projectId?: string | null
  pipelineId?: string | null
  requestId?: string | null
  details?: Record<string, unknown>
}

/** The one audit insert; callers put it in the same `batch()` as the change it records. */
export function auditInsert(db: Database, e: AuditEntry) {
  return db.insert(auditLog).values({
    actorType: e.actorType,
    actorId: e.actorId ?? null,
    action: e.action,
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    projectId: e.projectId ?? null,
    pipelineId: e.pipelineId ?? null,
    requestId: e.requestId ?? null,
    details: e.details ?? null,
  })
}

/** The audit insert for a change a signed-in person made. */
export const userAudit = (db: Database, userId: string, e: Omit<AuditEntry, 'actorType' | 'actorId'>) =>
  auditInsert(db, { actorType: 'user', actorId: userId, ...e })
