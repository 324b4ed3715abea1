import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { pipelineGrants, pipelines } from '../db/schema'
import { activeSecrets } from '../domain/pipelines/secrets'
import { servesModel, specificity } from '../pipeline/model-patterns'

/** Where a delivery goes and what signs it, resolved at each attempt so rotation and disabling apply at once. */
export interface Endpoint {
  url: string
  secrets: string[]
  pipelineId: string | null
}

/**
 * The endpoint for a run of `modelName` in a project: the enabled, granted pipeline with a live
 * webhook that names the model most closely (for a job, among those that declare its kind), or
 * else, for an analysis, ML_WEBHOOK_URL. Null when nobody takes pushes.
 */
export async function endpointFor(
  db: Database,
  config: Config,
  { projectId, modelName, jobKind }: { projectId: string; modelName: string; jobKind?: string },
): Promise<{ pipelineId: string | null } | null> {
  const candidates = await db
    .select({ id: pipelines.id, modelNames: pipelines.modelNames, jobKinds: pipelines.jobKinds })
    .from(pipelines)
    .innerJoin(pipelineGrants, and(eq(pipelineGrants.pipelineId, pipelines.id), eq(pipelineGrants.projectId, projectId)))
    .where(and(isNull(pipelines.disabledAt), isNull(pipelines.deletedAt), isNull(pipelines.webhookDisabledAt), isNotNull(pipelines.webhookUrl)))
  const best = candidates
    .filter((p) => servesModel(p.modelNames, modelName) && (jobKind === undefined || p.jobKinds.includes(jobKind)))
    .map((p) => ({ id: p.id, score: Math.max(...p.modelNames.filter((m) => servesModel([m], modelName)).map(specificity)) }))
    .sort((a, b) => b.score - a.score)[0]
  if (best) return { pipelineId: best.id }
  // The deployment's single endpoint declares no job kinds, so it takes analyses only.
  return config.ML_WEBHOOK_URL && jobKind === undefined ? { pipelineId: null } : null
}

/** The URL and signing secrets of an endpoint now; null when it no longer takes deliveries. */
export async function resolveEndpoint(db: Database, config: Config, pipelineId: string | null): Promise<Endpoint | null> {
  if (!pipelineId) return config.ML_WEBHOOK_URL ? { url: config.ML_WEBHOOK_URL, secrets: config.ML_WEBHOOK_SECRET, pipelineId: null } : null
  const row = await db.select().from(pipelines).where(eq(pipelines.id, pipelineId)).get()
  if (!row?.webhookUrl || row.disabledAt || row.deletedAt || row.webhookDisabledAt) return null
  const secrets = (await activeSecrets(db, config, pipelineId, 'webhook')).map((s) => s.secret)
  return { url: row.webhookUrl, secrets, pipelineId }
}
