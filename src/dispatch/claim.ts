import { and, asc, desc, eq, inArray, isNotNull, isNull, notExists } from 'drizzle-orm'
import type { PipelinePrincipal } from '../app-env'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, deliveries, jobs, pipelineGrants } from '../db/schema'
import { auditInsert } from '../domain/audit'
import { AppError } from '../errors'
import { servesModel } from '../pipeline/model-patterns'
import type { ClaimedRun } from '../schemas/claims'
import { payloadBuilder } from './run-payloads'

/** Candidates read per kind and claim: enough that pattern filtering in code still fills a claim. */
const CANDIDATES = 100

/**
 * Pull dispatch (docs/dispatch.md#pull): the next work for a pipeline key, highest priority first,
 * then oldest, among the projects that grant it and the models (and job kinds) it declares. Each
 * run is taken by one conditional UPDATE that only succeeds while nobody holds it, and D1 runs
 * statements one at a time, so however many workers claim at once no run is handed out twice. The
 * claimant then holds the run: its key works on the run's callbacks, and no push goes elsewhere.
 */
export async function claimWork(
  db: Database,
  config: Config,
  origin: string,
  pipeline: PipelinePrincipal,
  request: { limit: number; kinds?: ('analysis' | 'job')[] | undefined },
): Promise<ClaimedRun[]> {
  if (!config.ML_PIPELINE_PULL_ENABLED) throw new AppError(403, 'pull_disabled', 'Pull dispatch is off on this deployment (ML_PIPELINE_PULL_ENABLED)')
  const granted = db.select({ id: pipelineGrants.projectId }).from(pipelineGrants).where(eq(pipelineGrants.pipelineId, pipeline.id))
  const kinds = request.kinds ?? ['analysis', 'job']
  const claimed: ClaimedRun[] = []

  if (kinds.includes('analysis')) {
    const candidates = await db
      .select({ id: analyses.id, modelName: analyses.modelName })
      .from(analyses)
      .where(
        and(
          eq(analyses.status, 'queued'),
          isNull(analyses.pipelineId),
          isNull(analyses.deletedAt),
          inArray(analyses.projectId, granted),
          // An analysis already pushed to an endpoint is that endpoint's to run.
          notExists(db.select({ id: deliveries.id }).from(deliveries).where(and(eq(deliveries.runKind, 'analysis'), eq(deliveries.runId, analyses.id)))),
        ),
      )
      .orderBy(desc(analyses.priority), asc(analyses.createdAt), asc(analyses.id))
      .limit(CANDIDATES)
    for (const c of candidates.filter((a) => servesModel(pipeline.modelNames, a.modelName))) {
      if (claimed.length >= request.limit) break
      const [won] = await db
        .update(analyses)
        .set({ pipelineId: pipeline.id })
        .where(and(eq(analyses.id, c.id), isNull(analyses.pipelineId), eq(analyses.status, 'queued')))
        .returning({ id: analyses.id, projectId: analyses.projectId })
      if (won) claimed.push(await handOut(db, config, origin, pipeline, 'analysis', won))
    }
  }

  if (kinds.includes('job') && claimed.length < request.limit && pipeline.jobKinds.length) {
    const candidates = await db
      .select({ id: jobs.id, modelName: jobs.modelName })
      .from(jobs)
      .where(
        and(
          eq(jobs.status, 'queued'),
          isNotNull(jobs.runnableAt),
          isNull(jobs.pipelineId),
          inArray(jobs.kind, pipeline.jobKinds as (typeof jobs.kind.enumValues)[number][]),
          inArray(jobs.projectId, granted),
        ),
      )
      .orderBy(desc(jobs.priority), asc(jobs.runnableAt), asc(jobs.id))
      .limit(CANDIDATES)
    for (const c of candidates.filter((j) => servesModel(pipeline.modelNames, j.modelName))) {
      if (claimed.length >= request.limit) break
      const [won] = await db
        .update(jobs)
        .set({ pipelineId: pipeline.id })
        .where(and(eq(jobs.id, c.id), isNull(jobs.pipelineId), eq(jobs.status, 'queued')))
        .returning({ id: jobs.id, projectId: jobs.projectId })
      if (won) claimed.push(await handOut(db, config, origin, pipeline, 'job', won))
    }
  }
  return claimed
}

const EVENTS = { analysis: 'analysis.created', job: 'job.runnable' } as const

/** The claimed run as a push would have delivered it, and an audit row saying who took it. */
async function handOut(db: Database, config: Config, origin: string, pipeline: PipelinePrincipal, kind: 'analysis' | 'job', run: { id: string; projectId: string }): Promise<ClaimedRun> {
  await auditInsert(db, {
    actorType: 'pipeline',
    actorId: pipeline.id,
    action: `${kind}.claimed`,
    targetType: kind,
    targetId: run.id,
    projectId: run.projectId,
    pipelineId: pipeline.id,
    details: { key_prefix: pipeline.keyPrefix },
  })
  const data = (await payloadBuilder({ kind, id: run.id }).data(db, config, origin, run.id)) ?? {}
  return { kind, id: run.id, event: EVENTS[kind], data }
}
