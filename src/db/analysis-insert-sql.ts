import type { AuditEntry } from '../domain/audit'

/**
 * A new analysis, inserted only while every limit holds, in the same statement that counts: D1
 * runs one statement at a time, so ten concurrent creates at a limit cannot all see room under it.
 * The audit row is inserted only if the analysis was (`WHERE EXISTS`), in the same batch.
 */
export interface NewAnalysis {
  id: string
  imageId: string
  projectId: string
  modelName: string
  modelVersion: string
  status: string
  parameters: Record<string, unknown> | null
  provenance: Record<string, unknown> | null
  requestedById: string | null
  pipelineId: string | null
  externalJobId: string | null
  priority: number
  groupId: string | null
  /** The registered model version the name and version string name, if any. */
  modelVersionId: string | null
  createdAt: string
  deadlineAt?: string | null
}

export interface AnalysisLimits {
  perImage: number
  /** 0 is no limit. */
  pendingPerUser: number
  pendingPerPipeline: number
}

const PENDING = `status IN ('queued', 'processing') AND deleted_at IS NULL`

export function insertWithinLimits(d1: D1Database, a: NewAnalysis, limits: AnalysisLimits, audit: AuditEntry): D1PreparedStatement[] {
  const insert = d1
    .prepare(
      `INSERT INTO analyses (id, image_id, project_id, model_name, model_version, status, parameters, provenance, requested_by_id, pipeline_id,
         external_job_id, priority, group_id, created_at, model_version_id, deadline_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?18, ?19
       WHERE (SELECT count(*) FROM analyses WHERE image_id = ?2 AND deleted_at IS NULL) < ?15
         AND (?16 = 0 OR ?9 IS NULL OR (SELECT count(*) FROM analyses WHERE requested_by_id = ?9 AND ${PENDING}) < ?16)
         AND (?17 = 0 OR ?10 IS NULL OR (SELECT count(*) FROM analyses WHERE pipeline_id = ?10 AND ${PENDING}) < ?17)`,
    )
    .bind(
      a.id,
      a.imageId,
      a.projectId,
      a.modelName,
      a.modelVersion,
      a.status,
      a.parameters === null ? null : JSON.stringify(a.parameters),
      a.provenance === null ? null : JSON.stringify(a.provenance),
      a.requestedById,
      a.pipelineId,
      a.externalJobId,
      a.priority,
      a.groupId,
      a.createdAt,
      limits.perImage,
      limits.pendingPerUser,
      limits.pendingPerPipeline,
      a.modelVersionId,
      a.deadlineAt ?? null,
    )
  const auditRow = d1
    .prepare(
      `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, project_id, pipeline_id, request_id, details)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM analyses WHERE id = ?)`,
    )
    .bind(
      audit.actorType,
      audit.actorId ?? null,
      audit.action,
      audit.targetType ?? null,
      audit.targetId ?? null,
      audit.projectId ?? null,
      audit.pipelineId ?? null,
      audit.requestId ?? null,
      audit.details ? JSON.stringify(audit.details) : null,
      a.id,
    )
  return [insert, auditRow]
}

/** Which limit refused a create, read after the conditional insert changed nothing. */
export async function pendingCounts(d1: D1Database, a: Pick<NewAnalysis, 'imageId' | 'requestedById' | 'pipelineId'>) {
  const row = await d1
    .prepare(
      `SELECT (SELECT count(*) FROM analyses WHERE image_id = ?1 AND deleted_at IS NULL) AS on_image,
              (SELECT count(*) FROM analyses WHERE requested_by_id = ?2 AND ${PENDING}) AS by_user,
              (SELECT count(*) FROM analyses WHERE pipeline_id = ?3 AND ${PENDING}) AS by_pipeline`,
    )
    .bind(a.imageId, a.requestedById, a.pipelineId)
    .first<{ on_image: number; by_user: number; by_pipeline: number }>()
  return row!
}
