import { and, eq, isNull } from 'drizzle-orm'
import type { z } from 'zod'
import type { DataAccess, Database } from '../../db/client'
import { inJson } from '../../db/in-json'
import { analyses, datasetSnapshots, jobArtifacts, jobs, modelVersions } from '../../db/schema'
import { AppError } from '../../errors'
import type { Job } from '../../schemas/jobs'
import type { ModelArtifact, ModelVersion, ModelVersionCreate, ModelVersionRegister } from '../../schemas/model-versions'
import { auditInsert, type AuditEntry } from '../audit'
import { latestMetricValues } from '../metrics'
import { toModelVersion } from '../serialize'

type ArtifactRef = { kind: ModelArtifact['kind']; storage_path?: string; uri?: string; filename?: string; sha256?: string }

export interface NewVersion {
  projectId: string
  name: string
  version: string
  description: string | null
  jobId: string | null
  datasetSnapshotId: string | null
  metrics: Record<string, number>
  artifacts: ArtifactRef[]
  provenance: Record<string, unknown>
  createdById: string | null
  actor: Pick<AuditEntry, 'actorType' | 'actorId'>
  requestId: string | null
}

/** A job registers what it trained: its own uploads, its own dataset, its parameters and latest metrics by default. */
export async function registerFromJob(data: DataAccess, job: Job, body: z.infer<typeof ModelVersionRegister>, requestId: string | null) {
  for (const a of body.artifacts) {
    if (!a.storage_path.startsWith(`jobs/${job.id}/`)) {
      throw new AppError(400, 'validation_error', `artifacts: ${a.storage_path} is not one of this job's artifacts (jobs/${job.id}/…)`, { path: ['artifacts'] })
    }
  }
  return register(data, {
    projectId: job.project_id,
    name: body.name ?? job.model_name,
    version: body.version,
    description: body.description ?? null,
    jobId: job.id,
    datasetSnapshotId: job.dataset_snapshot_id,
    metrics: body.metrics ?? (await latestMetricValues(data.d1, job.id)),
    artifacts: body.artifacts,
    provenance: { ...body.provenance, parameters: body.provenance?.parameters ?? job.parameters ?? {} },
    createdById: job.requested_by_id,
    actor: { actorType: 'pipeline' },
    requestId,
  })
}

/** A person registers a version: trained elsewhere (artifacts by `uri`), or produced by one of the project's jobs. */
export async function registerByUser(data: DataAccess, projectId: string, userId: string, body: z.infer<typeof ModelVersionCreate>, requestId: string) {
  let datasetSnapshotId = body.dataset_snapshot_id ?? null
  if (body.job_id) {
    const job = await data.db.select().from(jobs).where(and(eq(jobs.id, body.job_id), eq(jobs.projectId, projectId))).get()
    if (!job) throw new AppError(400, 'validation_error', 'job_id: no such job in this project', { path: ['job_id'] })
    datasetSnapshotId ??= job.datasetSnapshotId
  }
  return register(data, {
    projectId,
    name: body.name,
    version: body.version,
    description: body.description ?? null,
    jobId: body.job_id ?? null,
    datasetSnapshotId,
    metrics: body.metrics ?? (body.job_id ? await latestMetricValues(data.d1, body.job_id) : {}),
    artifacts: body.artifacts,
    provenance: body.provenance ?? {},
    createdById: userId,
    actor: { actorType: 'user', actorId: userId },
    requestId,
  })
}

/**
 * One registration: artifacts resolved against uploads in this project, the dataset by hash, then
 * the row, its audit entry and the links from analyses and jobs that already named this version,
 * in one batch. Registering the same version again from the same job returns it (a retried call).
 */
async function register({ db }: DataAccess, v: NewVersion): Promise<{ version: ModelVersion; created: boolean }> {
  const existing = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.projectId, v.projectId), eq(modelVersions.name, v.name), eq(modelVersions.version, v.version)))
    .get()
  if (existing) {
    if (v.jobId && existing.jobId === v.jobId) return { version: toModelVersion(existing), created: false }
    throw new AppError(409, 'conflict', `${v.name} ${v.version} is already registered in this project`, { model_version_id: existing.id })
  }
  const artifacts = await resolveArtifacts(db, v.projectId, v.artifacts)
  const snapshot = v.datasetSnapshotId
    ? await db.select().from(datasetSnapshots).where(and(eq(datasetSnapshots.id, v.datasetSnapshotId), eq(datasetSnapshots.projectId, v.projectId))).get()
    : null
  if (v.datasetSnapshotId && !snapshot) throw new AppError(400, 'validation_error', 'dataset_snapshot_id: no such snapshot in this project', { path: ['dataset_snapshot_id'] })
  const id = crypto.randomUUID()
  const named = and(eq(analyses.projectId, v.projectId), eq(analyses.modelName, v.name), eq(analyses.modelVersion, v.version), isNull(analyses.modelVersionId))
  try {
    await db.batch([
      db.insert(modelVersions).values({
        id,
        projectId: v.projectId,
        name: v.name,
        version: v.version,
        description: v.description,
        jobId: v.jobId,
        datasetSnapshotId: snapshot?.id ?? null,
        datasetSha256: snapshot?.sha256 ?? null,
        metrics: v.metrics,
        artifacts,
        provenance: v.provenance,
        createdById: v.createdById,
        createdAt: new Date().toISOString(),
      }),
      db.update(analyses).set({ modelVersionId: id }).where(named),
      db
        .update(jobs)
        .set({ modelVersionId: id })
        .where(and(eq(jobs.projectId, v.projectId), eq(jobs.modelName, v.name), eq(jobs.modelVersion, v.version), isNull(jobs.modelVersionId))),
      auditInsert(db, {
        ...v.actor,
        action: 'model_version.registered',
        targetType: 'model_version',
        targetId: id,
        projectId: v.projectId,
        requestId: v.requestId,
        details: { name: v.name, version: v.version, job_id: v.jobId },
      }),
    ])
  } catch (err) {
    // Two registrations raced; the unique index picked the winner.
    if (/UNIQUE/i.test(String((err as Error).message))) return register({ db } as DataAccess, v)
    throw err
  }
  return { version: toModelVersion((await db.select().from(modelVersions).where(eq(modelVersions.id, id)).get())!), created: true }
}

/** Stored artifacts must be uploads of a job of this project; references elsewhere are kept as given. */
async function resolveArtifacts(db: Database, projectId: string, refs: ArtifactRef[]): Promise<ModelArtifact[]> {
  const paths = refs.flatMap((r) => (r.storage_path ? [r.storage_path] : []))
  const rows = paths.length
    ? await db
        .select({ artifact: jobArtifacts, projectId: jobs.projectId })
        .from(jobArtifacts)
        .innerJoin(jobs, eq(jobs.id, jobArtifacts.jobId))
        .where(inJson(jobArtifacts.storagePath, paths))
    : []
  const byPath = new Map(rows.filter((r) => r.projectId === projectId && r.artifact.status === 'uploaded').map((r) => [r.artifact.storagePath, r.artifact]))
  const missing = paths.filter((p) => !byPath.has(p))
  if (missing.length) {
    throw new AppError(400, 'artifact_not_found', `Not uploaded artifacts of this project's jobs: ${missing.join(', ')}`, { storage_paths: missing })
  }
  return refs.map((r) => {
    const stored = r.storage_path ? byPath.get(r.storage_path)! : null
    return {
      kind: r.kind,
      filename: r.filename ?? stored?.filename ?? r.uri!.split(/[/?#]/).filter(Boolean).at(-1) ?? r.uri!,
      storage_path: stored?.storagePath ?? null,
      uri: r.uri ?? null,
      job_id: stored?.jobId ?? null,
      content_type: stored?.contentType ?? null,
      bytes: stored?.bytes ?? null,
      sha256: stored?.sha256 ?? r.sha256 ?? null,
    }
  })
}
