import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, projectRole, type Action } from '../auth/permissions'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses } from '../db/schema'
import { AppError, notFound } from '../errors'
import type { z } from 'zod'
import type { AnalysisCreate, AnalysisListQuery } from '../schemas/analyses'
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
  const id = crypto.randomUUID()
  const now = new Date().toISOString()
  const limit = config.ML_MAX_ANALYSES_PER_IMAGE
  let created: boolean
  try {
    // Counting and inserting in one statement: concurrent creates cannot all see room under the
    // limit. The audit row is written only if the analysis was, in the same transaction.
    const d1 = db.$client
    const [insert] = await d1.batch([
      d1
        .prepare(
          `INSERT INTO analyses (id, image_id, project_id, model_name, model_version, status, parameters, provenance,
             requested_by_id, external_job_id, priority, group_id, created_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13
           WHERE (SELECT count(*) FROM analyses WHERE image_id = ?2 AND deleted_at IS NULL) < ?14`,
        )
        .bind(
          id,
          imageId,
          image.projectId,
          input.model_name,
          input.model_version,
          config.ML_DEFAULT_STATUS,
          json(input.parameters),
          json(input.provenance),
          user.id,
          input.external_job_id ?? null,
          input.priority,
          input.group_id ?? null,
          now,
          limit,
        ),
      d1
        .prepare(
          `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, project_id, request_id, details)
           SELECT 'user', ?1, 'analysis.created', 'analysis', ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM analyses WHERE id = ?2)`,
        )
        .bind(user.id, id, image.projectId, requestId, JSON.stringify({ model_name: input.model_name, model_version: input.model_version })),
    ])
    created = insert!.meta.changes === 1
  } catch (err) {
    // Two creates with one external_job_id raced; the unique index picked the winner.
    if (input.external_job_id && /UNIQUE/i.test(String((err as Error).message))) {
      const existing = await findByExternalJobId(db, input.external_job_id)
      if (existing) return { analysis: sameImageOr409(existing, imageId), created: false }
    }
    throw err
  }
  if (!created) {
    throw new AppError(409, 'analysis_limit_reached', `This image already has ${limit} analyses, the limit`, { limit })
  }
  return { analysis: toAnalysis((await db.select().from(analyses).where(eq(analyses.id, id)).get())!), created: true }
}

/** What drizzle's json columns store: the JSON text, or NULL. */
const json = (value: Record<string, unknown> | null | undefined) => (value == null ? null : JSON.stringify(value))

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
