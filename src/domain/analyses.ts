import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, projectRole, type Action } from '../auth/permissions'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, modelVersions } from '../db/schema'
import { AppError, notFound } from '../errors'
import type { z } from 'zod'
import type { AnalysisCreate, AnalysisListQuery } from '../schemas/analyses'
import { auditInsert } from './audit'
import { imageForUser } from './images'
import { toAnalysis } from './serialize'

/** The analysis if the user may do `action` in its project; 404 for everyone else. */
export async function analysisForUser(db: Database, user: CurrentUser, analysisId: string, action: Action) {
  const row = await db.select().from(analyses).where(and(eq(analyses.id, analysisId), isNull(analyses.deletedAt))).get()
  if (!row) throw notFound('Analysis')
  const role = authorize(await projectRole(db, row.projectId, user.id), action, 'Analysis')
  return { analysis: toAnalysis(row), role }
}

export async function createAnalysis(
  db: Database,
  config: Config,
  user: CurrentUser,
  imageId: string,
  input: z.infer<typeof AnalysisCreate>,
  requestId: string,
): Promise<{ analysis: ReturnType<typeof toAnalysis>; created: boolean }> {
  const { image } = await imageForUser(db, user, imageId, 'write')
  if (input.image_id && input.image_id !== imageId) {
    throw new AppError(400, 'validation_error', 'image_id in the body does not match the path', { path: ['image_id'] })
  }
  if (config.ML_ALLOWED_MODELS.length && !config.ML_ALLOWED_MODELS.includes(input.model_name)) {
    throw new AppError(400, 'model_not_allowed', `Model "${input.model_name}" is not allowed; allowed models: ${config.ML_ALLOWED_MODELS.join(', ')}`, {
      allowed_models: config.ML_ALLOWED_MODELS,
    })
  }
  if (input.external_job_id) {
    const existing = await findByExternalJobId(db, input.external_job_id)
    if (existing) return { analysis: sameImageOr409(existing, imageId), created: false }
  }
  const live = await db
    .select({ n: count() })
    .from(analyses)
    .where(and(eq(analyses.imageId, imageId), isNull(analyses.deletedAt)))
    .get()
  if ((live?.n ?? 0) >= config.ML_MAX_ANALYSES_PER_IMAGE) {
    throw new AppError(409, 'analysis_limit_reached', `This image already has ${config.ML_MAX_ANALYSES_PER_IMAGE} analyses, the limit`, {
      limit: config.ML_MAX_ANALYSES_PER_IMAGE,
    })
  }
  const registered = await registeredVersion(db, image.projectId, input.model_name, input.model_version)
  const id = crypto.randomUUID()
  const now = new Date().toISOString()
  try {
    await db.batch([
      db
        .insert(analyses)
        .values({
          id,
          imageId,
          projectId: image.projectId,
          modelName: input.model_name,
          modelVersion: input.model_version,
          status: config.ML_DEFAULT_STATUS,
          parameters: input.parameters ?? null,
          provenance: input.provenance ?? null,
          requestedById: user.id,
          externalJobId: input.external_job_id ?? null,
          priority: input.priority,
          groupId: input.group_id ?? null,
          modelVersionId: registered?.id ?? null,
          createdAt: now,
        }),
      auditInsert(db, {
        actorType: 'user',
        actorId: user.id,
        action: 'analysis.created',
        targetType: 'analysis',
        targetId: id,
        projectId: image.projectId,
        requestId,
        details: { model_name: input.model_name, model_version: input.model_version },
      }),
    ])
  } catch (err) {
    // Two creates with one external_job_id raced; the unique index picked the winner.
    if (input.external_job_id && /UNIQUE/i.test(String((err as Error).message))) {
      const existing = await findByExternalJobId(db, input.external_job_id)
      if (existing) return { analysis: sameImageOr409(existing, imageId), created: false }
    }
    throw err
  }
  return { analysis: toAnalysis((await db.select().from(analyses).where(eq(analyses.id, id)).get())!), created: true }
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

function sameImageOr409(row: typeof analyses.$inferSelect, imageId: string) {
  if (row.imageId !== imageId) {
    throw new AppError(409, 'conflict', 'external_job_id already belongs to an analysis of another image')
  }
  return toAnalysis(row)
}

export async function listAnalysesForImage(db: Database, user: CurrentUser, imageId: string, q: z.infer<typeof AnalysisListQuery>) {
  await imageForUser(db, user, imageId, 'read')
  const filters: SQL[] = [eq(analyses.imageId, imageId), isNull(analyses.deletedAt)]
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
