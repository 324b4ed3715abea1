import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, principalRole, type Action } from '../auth/permissions'
import { actorOf, toPrincipal, type Principal } from '../auth/principal'
import type { Config } from '../config'
import type { DataAccess, Database } from '../db/client'
import { insertWithinLimits, pendingCounts, type NewAnalysis } from '../db/analysis-insert-sql'
import { analyses, modelVersions } from '../db/schema'
import { AppError, notFound } from '../errors'
import { servesModel } from '../pipeline/model-patterns'
import type { z } from 'zod'
import type { AnalysisCreate, AnalysisListQuery } from '../schemas/analyses'
import { imageFor } from './images'
import { toAnalysis } from './serialize'

/**
 * The analysis if the caller may do `action` in its project; 404 for everyone else. A pipeline
 * sees only its own analyses: another pipeline's are as invisible as another project's.
 */
export async function analysisFor(db: Database, who: Principal | CurrentUser, analysisId: string, action: Action) {
  const principal = toPrincipal(who)
  const row = await db.select().from(analyses).where(and(eq(analyses.id, analysisId), isNull(analyses.deletedAt))).get()
  if (!row || (principal.kind === 'pipeline' && row.pipelineId !== principal.pipeline.id)) throw notFound('Analysis')
  const role = authorize(await principalRole(db, row.projectId, principal), action, 'Analysis')
  return { analysis: toAnalysis(row), role }
}

export const analysisForUser = (db: Database, user: CurrentUser, analysisId: string, action: Action) => analysisFor(db, user, analysisId, action)

export async function createAnalysis(
  { db, d1 }: DataAccess,
  config: Config,
  who: Principal | CurrentUser,
  imageId: string,
  input: z.infer<typeof AnalysisCreate>,
  requestId: string,
): Promise<{ analysis: ReturnType<typeof toAnalysis>; created: boolean }> {
  const principal = toPrincipal(who)
  const { image } = await imageFor(db, principal, imageId, 'run')
  if (input.image_id && input.image_id !== imageId) {
    throw new AppError(400, 'validation_error', 'image_id in the body does not match the path', { path: ['image_id'] })
  }
  if (config.ML_ALLOWED_MODELS.length && !config.ML_ALLOWED_MODELS.includes(input.model_name)) {
    throw new AppError(400, 'model_not_allowed', `Model "${input.model_name}" is not allowed; allowed models: ${config.ML_ALLOWED_MODELS.join(', ')}`, {
      allowed_models: config.ML_ALLOWED_MODELS,
    })
  }
  const pipeline = principal.kind === 'pipeline' ? principal.pipeline : null
  if (pipeline && !servesModel(pipeline.modelNames, input.model_name)) {
    throw new AppError(403, 'model_not_served', `This pipeline does not serve model "${input.model_name}"`, { model_names: pipeline.modelNames })
  }
  if (input.external_job_id) {
    const existing = await findByExternalJobId(db, input.external_job_id)
    if (existing) return { analysis: sameOwnerOr409(existing, imageId, principal), created: false }
  }
  const registered = await registeredVersion(db, image.projectId, input.model_name, input.model_version)
  const row: NewAnalysis = {
    id: crypto.randomUUID(),
    imageId,
    projectId: image.projectId,
    modelName: input.model_name,
    modelVersion: input.model_version,
    status: config.ML_DEFAULT_STATUS,
    parameters: input.parameters ?? null,
    provenance: input.provenance ?? null,
    requestedById: principal.kind === 'user' ? principal.user.id : null,
    pipelineId: pipeline?.id ?? null,
    externalJobId: input.external_job_id ?? null,
    priority: input.priority,
    groupId: input.group_id ?? null,
    modelVersionId: registered?.id ?? null,
    createdAt: new Date().toISOString(),
    deadlineAt: input.deadline ?? null,
  }
  const limits = {
    perImage: config.ML_MAX_ANALYSES_PER_IMAGE,
    pendingPerUser: config.ML_MAX_PENDING_PER_USER,
    pendingPerPipeline: config.ML_MAX_PENDING_PER_PIPELINE,
  }
  const audit = {
    ...actorOf(principal),
    action: 'analysis.created',
    targetType: 'analysis',
    targetId: row.id,
    projectId: image.projectId,
    requestId,
    details: { model_name: input.model_name, model_version: input.model_version },
  }
  let inserted: boolean
  try {
    const [result] = await d1.batch(insertWithinLimits(d1, row, limits, audit))
    inserted = (result?.meta.changes ?? 0) > 0
  } catch (err) {
    // Two creates with one external_job_id raced; the unique index picked the winner.
    if (input.external_job_id && /UNIQUE/i.test(String((err as Error).message))) {
      const existing = await findByExternalJobId(db, input.external_job_id)
      if (existing) return { analysis: sameOwnerOr409(existing, imageId, principal), created: false }
    }
    throw err
  }
  if (!inserted) throw await limitError(d1, row, limits)
  return { analysis: toAnalysis((await db.select().from(analyses).where(eq(analyses.id, row.id)).get())!), created: true }
}

async function limitError(d1: D1Database, row: NewAnalysis, limits: { perImage: number; pendingPerUser: number; pendingPerPipeline: number }) {
  const counts = await pendingCounts(d1, row)
  if (counts.on_image >= limits.perImage) {
    return new AppError(409, 'analysis_limit_reached', `This image already has ${limits.perImage} analyses, the limit`, { limit: limits.perImage })
  }
  const [scope, limit, setting] =
    row.pipelineId && limits.pendingPerPipeline && counts.by_pipeline >= limits.pendingPerPipeline
      ? (['pipeline', limits.pendingPerPipeline, 'ML_MAX_PENDING_PER_PIPELINE'] as const)
      : (['user', limits.pendingPerUser, 'ML_MAX_PENDING_PER_USER'] as const)
  return new AppError(429, 'pending_limit_reached', `This ${scope} already has ${limit} queued or processing analyses (${setting}); wait for some to finish`, {
    scope,
    limit,
  })
}

/** The registered version a model name and version string name in the project, if any: analyses link to it. */
export const registeredVersion = (db: Database, projectId: string, name: string, version: string) =>
  db
    .select({ id: modelVersions.id })
    .from(modelVersions)
    .where(and(eq(modelVersions.projectId, projectId), eq(modelVersions.name, name), eq(modelVersions.version, version)))
    .get()


const findByExternalJobId = (db: Database, externalJobId: string) =>
  db.select().from(analyses).where(eq(analyses.externalJobId, externalJobId)).get()

/** A repeated create answers with the first one's analysis, unless it names another image or belongs to another pipeline. */
function sameOwnerOr409(row: typeof analyses.$inferSelect, imageId: string, principal: Principal) {
  const foreign = principal.kind === 'pipeline' && row.pipelineId !== principal.pipeline.id
  if (row.imageId !== imageId || foreign) {
    throw new AppError(409, 'conflict', 'external_job_id already belongs to another analysis')
  }
  return toAnalysis(row)
}

export async function listAnalysesForImage(db: Database, who: Principal | CurrentUser, imageId: string, q: z.infer<typeof AnalysisListQuery>) {
  const principal = toPrincipal(who)
  await imageFor(db, principal, imageId, 'read')
  const filters: SQL[] = [eq(analyses.imageId, imageId), isNull(analyses.deletedAt)]
  if (principal.kind === 'pipeline') filters.push(eq(analyses.pipelineId, principal.pipeline.id))
  if (q.status) filters.push(eq(analyses.status, q.status))
  if (q.model_name) filters.push(eq(analyses.modelName, q.model_name))
  if (q.group_id) filters.push(eq(analyses.groupId, q.group_id))
  const where = and(...filters)
  const [rows, total] = await Promise.all([
    db.select().from(analyses).where(where).orderBy(desc(analyses.createdAt), desc(analyses.id)).limit(q.limit).offset(q.skip),
    db.select({ n: count() }).from(analyses).where(where).get(),
  ])
  return { analyses: rows.map(toAnalysis), total: total?.n ?? 0 }
}
