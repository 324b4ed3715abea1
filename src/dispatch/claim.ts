import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, notExists, or, sql, type SQL } from 'drizzle-orm'
import { runStub } from '../../durable-objects/run-stubs'
import type { PipelinePrincipal } from '../app-env'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, deliveries, jobs, pipelineGrants } from '../db/schema'
import { auditInsert } from '../domain/audit'
import { AppError, notFound, unwrapRpc } from '../errors'
import { servesModel } from '../pipeline/model-patterns'
import type { ClaimedRun } from '../schemas/claims'
import { LEASE_TABLES, leaseEnd, newLeaseToken } from './leases'
import { payloadBuilder } from './run-payloads'

/** Candidates read per kind and claim: enough that pattern filtering in code still fills a claim. */
const CANDIDATES = 100
const EVENTS = { analysis: 'analysis.created', job: 'job.runnable' } as const
type Kind = keyof typeof EVENTS

const NOUNS = { analysis: 'Analysis', job: 'Job' } as const
/** How often a long-polling claim looks again while nothing is waiting. */
const POLL_MS = [250, 500, 1000, 2000]

/**
 * A queued run nobody holds, or held on a lease that ran out a moment ago (its object, waking at
 * the expiry, frees it for good). A run claimed `ML_CLAIM_MAX_ATTEMPTS` times is not handed out
 * again: its object fails it with the reason `lease_expired`.
 */
function claimable(kind: Kind, config: Config, now: string): SQL {
  const t = LEASE_TABLES[kind]
  return and(
    eq(t.status, 'queued'),
    or(and(isNull(t.pipelineId), isNull(t.leaseToken)), and(isNotNull(t.leaseToken), lt(t.leaseExpiresAt, now))),
    lt(t.claims, config.ML_CLAIM_MAX_ATTEMPTS),
  )!
}

const assertPullEnabled = (config: Config) => {
  if (!config.ML_PIPELINE_PULL_ENABLED) throw new AppError(403, 'pull_disabled', 'Pull dispatch is off on this deployment (ML_PIPELINE_PULL_ENABLED)')
}

/**
 * `claimWork`, waiting up to `wait_seconds` for work when none is waiting, so an idle worker asks
 * once a long while instead of in a tight loop. The wait is a few cheap reads spaced out in this
 * request; the answer leaves as soon as something was claimed.
 */
export async function claimWorkWaiting(
  env: Env,
  db: Database,
  config: Config,
  origin: string,
  pipeline: PipelinePrincipal,
  request: { limit: number; kinds?: Kind[] | undefined; wait_seconds?: number | undefined },
): Promise<ClaimedRun[]> {
  assertPullEnabled(config)
  const until = Date.now() + (request.wait_seconds ?? 0) * 1000
  for (let round = 0; ; round++) {
    const claimed = await claimWork(env, db, config, origin, pipeline, request)
    const pause = POLL_MS[Math.min(round, POLL_MS.length - 1)]!
    if (claimed.length || Date.now() + pause > until) return claimed
    await scheduler.wait(pause)
  }
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
  env: Env,
  db: Database,
  config: Config,
  origin: string,
  pipeline: PipelinePrincipal,
  request: { limit: number; kinds?: Kind[] | undefined },
): Promise<ClaimedRun[]> {
  assertPullEnabled(config)
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
            notExists(
              db
                .select({ id: deliveries.id })
                .from(deliveries)
                .where(and(eq(deliveries.runKind, 'analysis'), eq(deliveries.runId, analyses.id), eq(deliveries.event, EVENTS.analysis))),
            ),
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
      if (won) claimed.push(await handOut(env, db, config, origin, pipeline, kind, won))
    }
  }
  return claimed
}

/** The one statement that takes a run: it changes nothing unless the run is still claimable. */
async function take(db: Database, config: Config, kind: Kind, id: string, pipelineId: string | null, now: string) {
  const t = LEASE_TABLES[kind]
  const lease = { leaseToken: newLeaseToken(), leaseExpiresAt: leaseEnd(config) }
  const [won] = await db
    .update(t)
    .set({ pipelineId, ...lease, claims: sql`${t.claims} + 1` })
    .where(and(eq(t.id, id), claimable(kind, config, now)))
    .returning({ id: t.id, projectId: t.projectId, claims: t.claims })
  return won ? { ...won, ...lease } : undefined
}

/**
 * Takes one named run (`POST /api/analyses/{id}/claim`), for a pipeline key or for a caller who
 * signed with a secret that may sign for the run (then nobody holds it but the lease). 409
 * `already_claimed` when another worker holds it, with the run's own status when it ended.
 */
export async function claimOne(env: Env, db: Database, config: Config, origin: string, pipeline: PipelinePrincipal | null, kind: Kind, id: string): Promise<ClaimedRun> {
  assertPullEnabled(config)
  // One read of the run, with what a job adds: its kind for the pipeline's job_kinds, its slot.
  const run =
    kind === 'job'
      ? await db
          .select({ status: jobs.status, projectId: jobs.projectId, modelName: jobs.modelName, jobKind: jobs.kind, runnable: jobs.runnableAt })
          .from(jobs)
          .where(eq(jobs.id, id))
          .get()
      : await db
          .select({ status: analyses.status, projectId: analyses.projectId, modelName: analyses.modelName, jobKind: sql<null>`NULL`, runnable: analyses.createdAt })
          .from(analyses)
          .where(and(eq(analyses.id, id), isNull(analyses.deletedAt)))
          .get()
  if (!run) throw notFound(NOUNS[kind])
  if (pipeline) {
    const granted = await db.select({ id: pipelineGrants.projectId }).from(pipelineGrants).where(and(eq(pipelineGrants.pipelineId, pipeline.id), eq(pipelineGrants.projectId, run.projectId))).get()
    if (!granted) throw notFound(NOUNS[kind])
    const kindServed = run.jobKind === null || pipeline.jobKinds.includes(run.jobKind)
    if (!servesModel(pipeline.modelNames, run.modelName) || !kindServed) throw new AppError(403, 'model_not_served', `This pipeline does not serve ${run.modelName}${kind === 'job' ? ' for this kind of job' : ''}`)
  }
  if (run.status === 'canceled') throw new AppError(409, `${kind}_canceled`, `The ${kind} was canceled`)
  if (run.status !== 'queued') throw new AppError(409, 'already_claimed', `The ${kind} is ${run.status}: a worker has it`)
  if (!run.runnable) throw new AppError(409, 'job_waiting', 'The job is waiting for a slot in its project or for its dataset')
  const won = await take(db, config, kind, id, pipeline?.id ?? null, new Date().toISOString())
  if (!won) throw new AppError(409, 'already_claimed', `Another worker holds this ${kind}, or it was claimed ${config.ML_CLAIM_MAX_ATTEMPTS} times`)
  return handOut(env, db, config, origin, pipeline, kind, won)
}

/** The claimed run as a push would have delivered it, with its lease, and an audit row saying who took it. */
async function handOut(
  env: Env,
  db: Database,
  config: Config,
  origin: string,
  pipeline: PipelinePrincipal | null,
  kind: Kind,
  run: { id: string; projectId: string; claims: number; leaseToken: string; leaseExpiresAt: string },
): Promise<ClaimedRun> {
  await auditInsert(db, {
    actorType: 'pipeline',
    actorId: pipeline?.id ?? null,
    action: `${kind}.claimed`,
    targetType: kind,
    targetId: run.id,
    projectId: run.projectId,
    pipelineId: pipeline?.id ?? null,
    details: { key_prefix: pipeline?.keyPrefix ?? null, claim: run.claims },
  })
  // The run's object wakes when the lease runs out, to send the run back to the queue.
  await unwrapRpc(runStub(env, kind, run.id).leased(run.leaseExpiresAt, pipeline?.id ?? null, origin))
  const data = (await payloadBuilder({ kind, id: run.id }).data(db, config, origin, run.id)) ?? {}
  return { kind, id: run.id, lease: { token: run.leaseToken, expires_at: run.leaseExpiresAt }, event: EVENTS[kind], data }
}

