import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, notExists, or, sql, type SQL } from 'drizzle-orm'
import type { PipelinePrincipal } from '../app-env'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, deliveries, jobs, pipelineGrants } from '../db/schema'
import { auditInsert } from '../domain/audit'
import { AppError, notFound } from '../errors'
import { servesModel } from '../pipeline/model-patterns'
import type { ClaimedRun } from '../schemas/claims'
import { payloadBuilder } from './run-payloads'

/** Candidates read per kind and claim: enough that pattern filtering in code still fills a claim. */
const CANDIDATES = 100
const EVENTS = { analysis: 'analysis.created', job: 'job.runnable' } as const
type Kind = keyof typeof EVENTS

const TABLES = { analysis: analyses, job: jobs }
const NOUNS = { analysis: 'Analysis', job: 'Job' } as const

/**
 * A run nobody may act on but a claimant: held by nobody, or held on a lease that ran out before
 * the run started. Runs claimed `ML_CLAIM_MAX_ATTEMPTS` times are left to the queue timeout.
 */
function claimable(kind: Kind, config: Config, now: string): SQL {
  const t = TABLES[kind]
  return and(
    eq(t.status, 'queued'),
    or(isNull(t.pipelineId), and(isNotNull(t.leaseToken), lt(t.leaseExpiresAt, now))),
    lt(t.claims, config.ML_CLAIM_MAX_ATTEMPTS),
  )!
}

/**
 * Pull dispatch (docs/dispatch.md#pull-claims): the next work for a pipeline key, highest priority
 * first, then oldest, among the projects that grant it and the models (and job kinds) it declares.
 * Each run is taken by one conditional UPDATE that only succeeds while the run is claimable, and
 * D1 runs statements one at a time, so however many workers claim at once no run is handed out
 * twice. The claimant holds the run for a lease: its key works on the run's callbacks, and a
 * callback carrying the lease's token renews it.
 */
export async function claimWork(
  db: Database,
  config: Config,
  origin: string,
  pipeline: PipelinePrincipal,
  request: { limit: number; kinds?: Kind[] | undefined },
): Promise<ClaimedRun[]> {
  if (!config.ML_PIPELINE_PULL_ENABLED) throw new AppError(403, 'pull_disabled', 'Pull dispatch is off on this deployment (ML_PIPELINE_PULL_ENABLED)')
  const now = new Date().toISOString()
  const granted = db.select({ id: pipelineGrants.projectId }).from(pipelineGrants).where(eq(pipelineGrants.pipelineId, pipeline.id))
  const claimed: ClaimedRun[] = []
  const kinds = request.kinds ?? ['analysis', 'job']

  const candidates: Record<Kind, () => Promise<{ id: string; modelName: string }[]>> = {
    analysis: () =>
      db
        .select({ id: analyses.id, modelName: analyses.modelName })
        .from(analyses)
        .where(
          and(
            claimable('analysis', config, now),
            isNull(analyses.deletedAt),
            inArray(analyses.projectId, granted),
            // An analysis already pushed to an endpoint is that endpoint's to run.
            notExists(db.select({ id: deliveries.id }).from(deliveries).where(and(eq(deliveries.runKind, 'analysis'), eq(deliveries.runId, analyses.id)))),
          ),
        )
        .orderBy(desc(analyses.priority), asc(analyses.createdAt), asc(analyses.id))
        .limit(CANDIDATES),
    job: () =>
      pipeline.jobKinds.length
        ? db
            .select({ id: jobs.id, modelName: jobs.modelName })
            .from(jobs)
            .where(
              and(
                claimable('job', config, now),
                isNotNull(jobs.runnableAt),
                inArray(jobs.kind, pipeline.jobKinds as (typeof jobs.kind.enumValues)[number][]),
                inArray(jobs.projectId, granted),
              ),
            )
            .orderBy(desc(jobs.priority), asc(jobs.runnableAt), asc(jobs.id))
            .limit(CANDIDATES)
        : Promise.resolve([]),
  }

  for (const kind of kinds) {
    if (claimed.length >= request.limit) break
    for (const c of (await candidates[kind]()).filter((r) => servesModel(pipeline.modelNames, r.modelName))) {
      if (claimed.length >= request.limit) break
      const won = await take(db, config, kind, c.id, pipeline.id, now)
      if (won) claimed.push(await handOut(db, config, origin, pipeline, kind, won))
    }
  }
  return claimed
}

/** The one statement that takes a run: it changes nothing unless the run is still claimable. */
async function take(db: Database, config: Config, kind: Kind, id: string, pipelineId: string, now: string) {
  const t = TABLES[kind]
  const lease = { leaseToken: `lease_${crypto.randomUUID().replaceAll('-', '')}`, leaseExpiresAt: leaseEnd(config) }
  const [won] = await db
    .update(t)
    .set({ pipelineId, ...lease, claims: sql`${t.claims} + 1` })
    .where(and(eq(t.id, id), claimable(kind, config, now)))
    .returning({ id: t.id, projectId: t.projectId, claims: t.claims })
  return won ? { ...won, ...lease } : undefined
}

const leaseEnd = (config: Config) => new Date(Date.now() + config.ML_CLAIM_LEASE_SECONDS * 1000).toISOString()

/** The claimed run as a push would have delivered it, with its lease, and an audit row saying who took it. */
async function handOut(
  db: Database,
  config: Config,
  origin: string,
  pipeline: PipelinePrincipal,
  kind: Kind,
  run: { id: string; projectId: string; claims: number; leaseToken: string; leaseExpiresAt: string },
): Promise<ClaimedRun> {
  await auditInsert(db, {
    actorType: 'pipeline',
    actorId: pipeline.id,
    action: `${kind}.claimed`,
    targetType: kind,
    targetId: run.id,
    projectId: run.projectId,
    pipelineId: pipeline.id,
    details: { key_prefix: pipeline.keyPrefix, claim: run.claims },
  })
  const data = (await payloadBuilder({ kind, id: run.id }).data(db, config, origin, run.id)) ?? {}
  return { kind, id: run.id, lease: { token: run.leaseToken, expires_at: run.leaseExpiresAt }, event: EVENTS[kind], data }
}

/**
 * Renews a lease the caller holds (a callback carrying the token does the same). A token that is
 * no longer the run's, because its lease ran out and another claim took the run, is 409
 * `lease_lost`, and nothing changes; a run that ended is 409 with its own status.
 */
export async function renewLease(db: Database, config: Config, kind: Kind, id: string, token: string, pipelineId: string | null) {
  const t = TABLES[kind]
  const row = await db.select({ status: t.status, pipelineId: t.pipelineId, leaseToken: t.leaseToken }).from(t).where(eq(t.id, id)).get()
  if (!row) throw notFound(NOUNS[kind])
  if (row.leaseToken !== token) throw new AppError(409, 'lease_lost', `This lease is no longer the ${kind}'s: it ran out and the ${kind} was claimed again`)
  if (pipelineId && row.pipelineId !== pipelineId) throw notFound(NOUNS[kind])
  if (row.status === 'canceled') throw new AppError(409, `${kind}_canceled`, `The ${kind} was canceled`)
  if (row.status === 'completed' || row.status === 'failed') throw new AppError(409, `${kind}_finalized`, `The ${kind} is ${row.status}`)
  const expires_at = leaseEnd(config)
  await db.update(t).set({ leaseExpiresAt: expires_at }).where(and(eq(t.id, id), eq(t.leaseToken, token)))
  return { token, expires_at }
}
