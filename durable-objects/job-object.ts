import { and, eq, ne } from 'drizzle-orm'
import type { CallbackMeta } from '../src/app-env'
import { getConfig } from '../src/config'
import { dispatchRun } from '../src/dispatch/enqueue'
import { datasetSnapshots, jobs } from '../src/db/schema'
import { admitWaiting, queuePosition, runnableQueued } from '../src/domain/jobs/admission'
import { confirmPendingJobArtifacts, jobPrefix } from '../src/domain/jobs/artifacts'
import { batchAnalyses, openBatchAnalyses } from '../src/domain/jobs/batch'
import { batchSummary } from '../src/domain/jobs/targets'
import { toStored, writePoints } from '../src/domain/metrics'
import { registerFromJob } from '../src/domain/model-versions/register'
import { toSnapshot } from '../src/domain/serialize'
import { loadJob, writeJobThrough } from '../src/domain/runs/job-record'
import { AppError, unwrapRpc } from '../src/errors'
import type { BulkAnnotationsResponse } from '../src/schemas/analyses'
import type { BatchResultItem } from '../src/schemas/batch'
import type { EventBodies } from '../src/schemas/events'
import type { JobEvent } from '../src/schemas/job-events'
import type { Job, JobArtifact } from '../src/schemas/jobs'
import { MAX_METRIC_NAMES_PER_JOB, type MetricPointInput } from '../src/schemas/metrics'
import type { ModelVersionRegister } from '../src/schemas/model-versions'
import { isTerminal, type RunStatus } from '../src/schemas/runs'
import type { z } from 'zod'
import { analysisStub } from './analysis-object'
import type { KindClock } from './deadlines'
import { JobDataset } from './job-dataset'
import type { LiveChannel } from './live-channel'
import { asRpcResult } from './rpc'
import type { RunKind } from './run-kind'
import { RunObject } from './run-object'
import { publicRecord } from './run-state'

export const jobKind: RunKind<'job', Job> = {
  name: 'job',
  prefix: jobPrefix,
  load: loadJob,
  writeThrough: writeJobThrough,
}

/** The stub of a job's object; its name is the job id. */
export const jobStub = (env: Env, jobId: string) => env.JOB.getByName(jobId)

/** Gives the project's free slots to its waiting jobs and tells every job holding one that has not started. */
export async function admitAndWake(env: Env, d1: D1Database, projectId: string): Promise<void> {
  await admitWaiting(d1, projectId)
  await Promise.all((await runnableQueued(d1, projectId)).map((id) => jobStub(env, id).wake()))
}

const ANNOUNCED = 'announced'
const INPUTS_READY = 'inputs_ready'
const METRIC_NAMES = 'metric_names'
const SWEEP = 'sweep'
const SWEEP_PAGE = 50
const RESULT_CONCURRENCY = 8

/**
 * One object per job: the run shell plus what only jobs have. The job waits for a slot in its
 * project (docs/jobs.md#the-queue), freezes its dataset, takes metrics, creates a batch's analyses
 * and registers model versions; when it ends it frees its slot and closes its batch.
 */
export class JobObject extends RunObject<'job', Job, JobArtifact> {
  protected readonly kind = jobKind
  private datasetTask: JobDataset | undefined

  private get jobLive() {
    return this.live as unknown as LiveChannel<EventBodies<JobEvent>>
  }

  private get dataset(): JobDataset {
    return (this.datasetTask ??= new JobDataset(this.ctx.storage.kv, this.data, this.env.BUCKET))
  }

  /**
   * Reads what D1 decided for the job (its slot, its dataset) and sets the alarm for the work that
   * follows. The creating request passes its origin, which the job's delivery builds its callback
   * URL from when PUBLIC_URL is not set.
   */
  async wake(origin?: string) {
    return asRpcResult(async () => {
      this.rememberOrigin(origin)
      await this.ready()
      await this.refresh()
      return publicRecord(this.state!)
    })
  }

  override async updateStatus(...args: Parameters<RunObject<'job', Job, JobArtifact>['updateStatus']>) {
    const refused = await asRpcResult(() => this.assertRunnable(args[0].status))
    return refused.ok ? super.updateStatus(...args) : refused
  }

  override async finalize(...args: Parameters<RunObject<'job', Job, JobArtifact>['finalize']>) {
    const refused = await asRpcResult(() => this.assertRunnable(args[0].status))
    return refused.ok ? super.finalize(...args) : refused
  }

  /** The gate of a pipeline's reads (inputs, the batch's images): a job still running. */
  async workGate(meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.openGate(meta)
      if (isTerminal(state.status)) throw this.finalizedError('its inputs are closed')
      return publicRecord(state)
    })
  }

  async postMetrics(points: MetricPointInput[], meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.openGate(meta)
      if (isTerminal(state.status)) throw this.finalizedError('its metrics are closed')
      const known = new Set(this.ctx.storage.kv.get<string[]>(METRIC_NAMES) ?? [])
      const names = new Set([...known, ...points.map((p) => p.name)])
      if (names.size > MAX_METRIC_NAMES_PER_JOB) {
        throw new AppError(400, 'validation_error', `A job has at most ${MAX_METRIC_NAMES_PER_JOB} metric names`, { max: MAX_METRIC_NAMES_PER_JOB, path: ['points'] })
      }
      const stored = toStored(points, new Date().toISOString())
      await this.track(writePoints(this.data.d1, this.id, stored))
      this.ctx.storage.kv.put(METRIC_NAMES, [...names])
      this.jobLive.broadcast('metrics', { points: stored })
      return { accepted: points.length, names: [...names].sort() }
    })
  }

  async registerVersion(body: z.infer<typeof ModelVersionRegister>, meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.openGate(meta)
      if (isTerminal(state.status)) throw this.finalizedError('it registers no more versions')
      await this.announceUploads()
      const result = await this.track(registerFromJob(this.data, publicRecord(state), body, meta.requestId))
      if (result.created) this.jobLive.broadcast('model_version', { model_version: result.version })
      return result
    })
  }

  /** A batch's results: each image's analysis created in the job's group, its annotations and end passed to its own object. */
  async batchResults(items: BatchResultItem[], meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.openGate(meta)
      if (state.kind !== 'batch_inference') throw new AppError(409, 'conflict', `A ${state.kind} job creates no analyses; only batch_inference does`, { kind: state.kind })
      if (isTerminal(state.status)) throw this.finalizedError('it takes no more results')
      await this.assertRunnable('processing')
      return this.track(this.writeResults(items, meta))
    })
  }

  /** One of the batch's analyses ended through its own callbacks: the batch's progress moves. */
  async batchAnalysisFinished() {
    return asRpcResult(async () => {
      const state = await this.ready()
      if (!isTerminal(state.status)) await this.batchChanged(null)
    })
  }

  protected override clock(): KindClock {
    const s = this.state
    const sweep = this.ctx.storage.kv.get<boolean>(SWEEP) ? Date.now() : null
    const freeze = s && !isTerminal(s.status) ? this.dataset.due() : null
    // A job waiting for its project's slot is not late: the queue timeout counts from the slot.
    const due = [sweep, freeze].filter((t) => t !== null)
    return { queuedSince: s?.runnable_at ?? null, workDue: due.length ? Math.min(...due) : null }
  }

  protected override async work() {
    const state = this.state!
    const outcome = await this.dataset.run(state.project_id, isTerminal(state.status))
    if (outcome.kind === 'ready') {
      this.jobLive.broadcast('dataset', { dataset: outcome.dataset })
      await this.refresh()
      await this.wakeSharers(outcome.dataset.id)
    } else if (outcome.kind === 'failed') {
      this.jobLive.broadcast('dataset', { dataset: (await this.datasetRow())! })
      await this.moveBySystem('failed', 'finalize', outcome.message, 'dataset_failed')
    }
    if (this.ctx.storage.kv.get<boolean>(SWEEP)) await this.sweep()
  }

  protected override async beforeFinal() {
    await this.announceUploads()
  }

  /** The job's slot is free: the next waiting job gets it. A batch cancels what it left open. */
  protected override async afterFinal() {
    await admitAndWake(this.env, this.data.d1, this.state!.project_id)
    if (this.state!.kind === 'batch_inference') {
      this.ctx.storage.kv.put(SWEEP, true)
      await this.sweep()
    }
  }

  /**
   * What happens once the job may start: it has its slot and its inputs are ready. Announced once,
   * to viewers as a `runnable` event, and pushed as `job.runnable` to the granted pipeline that
   * declares the job's kind and serves its model (docs/dispatch.md#jobs), which then holds it.
   */
  protected async becameRunnable(): Promise<void> {
    this.jobLive.broadcast('runnable', { job: publicRecord(this.state!) })
    const config = getConfig(this.env)
    const origin = this.origin()
    if (!origin) return
    try {
      const sent = await dispatchRun(this.env, this.data.db, config, origin, { kind: 'job', id: this.id }, 'job.runnable')
      if (sent?.pipeline_id) this.store.update({ pipeline_id: sent.pipeline_id })
    } catch (err) {
      // The job stays runnable: a pipeline can still be handed it by a redelivery or take it itself.
      console.error(JSON.stringify({ level: 'error', message: 'job dispatch failed', jobId: this.id, error: String(err) }))
    }
  }

  private async refresh() {
    const state = this.state!
    if (isTerminal(state.status)) return
    if (!state.runnable_at) {
      const row = await this.data.db.select({ runnableAt: jobs.runnableAt }).from(jobs).where(eq(jobs.id, this.id)).get()
      if (row?.runnableAt) this.store.update({ runnable_at: row.runnableAt })
    }
    if (!this.ctx.storage.kv.get<boolean>(INPUTS_READY)) {
      const inputs = await this.dataset.check(this.id, state.dataset_snapshot_id)
      if (inputs.failed) return this.moveBySystem('failed', 'finalize', inputs.failed, 'dataset_failed')
      if (inputs.ready) this.ctx.storage.kv.put(INPUTS_READY, true)
    }
    if (this.state!.runnable_at && this.ctx.storage.kv.get<boolean>(INPUTS_READY) && !this.ctx.storage.kv.get<boolean>(ANNOUNCED)) {
      this.ctx.storage.kv.put(ANNOUNCED, true)
      await this.becameRunnable()
    }
    await this.reschedule()
  }

  /** A pipeline may start the job only once it is runnable; a waiting job is told where it stands. */
  private async assertRunnable(to: RunStatus) {
    const state = await this.ready()
    if (state.status !== 'queued' || to === 'queued' || to === 'canceled') return
    if (!state.runnable_at || !this.ctx.storage.kv.get<boolean>(INPUTS_READY)) await this.refresh()
    const now = this.state!
    if (now.runnable_at && this.ctx.storage.kv.get<boolean>(INPUTS_READY)) return
    if (now.runnable_at) {
      throw new AppError(409, 'job_waiting', 'The job’s dataset is still being frozen; start once the job is runnable', { reason: 'dataset', dataset_snapshot_id: now.dataset_snapshot_id })
    }
    const position = await queuePosition(this.data.d1, this.id)
    throw new AppError(409, 'job_waiting', `The job waits for a slot in its project (position ${position ?? '?'} in the queue)`, { reason: 'queue', queue_position: position })
  }

  private async writeResults(items: BatchResultItem[], meta: CallbackMeta) {
    const made = new Map((await batchAnalyses(this.data, getConfig(this.env), publicRecord(this.state!), items, meta.requestId)).map((m) => [m.analysis.image_id, m]))
    const results = await inParallel(items, RESULT_CONCURRENCY, async (item) => {
      const { analysis, created } = made.get(item.image_id)!
      const stub = analysisStub(this.env, analysis.id)
      // The job's request carried the nonce; the analyses' own calls need none.
      const sub = { requestId: meta.requestId }
      try {
        let annotations = null
        if (item.annotations?.length) {
          // Named, not inferred: the two objects' types refer to each other.
          const r: z.infer<typeof BulkAnnotationsResponse> = await unwrapRpc(stub.bulkAnnotations({ annotations: item.annotations, mode: 'append' }, sub))
          annotations = { created: r.created, duplicates: r.duplicates }
        }
        const after = item.status ? await unwrapRpc(stub.finalize({ status: item.status, error_message: item.error_message }, sub)) : analysis
        return { image_id: item.image_id, analysis: after, created, annotations, error: null }
      } catch (err) {
        if (!(err instanceof AppError)) throw err
        return { image_id: item.image_id, analysis, created, annotations: null, error: { code: err.code, message: err.message } }
      }
    })
    return { results, batch: await this.batchChanged(meta.requestId) }
  }

  /** The batch's counts, and its progress as a whole: the share of its images whose analysis ended. */
  private async batchChanged(requestId: string | null) {
    const batch = await batchSummary(this.data.d1, publicRecord(this.state!))
    const done = batch.completed + batch.failed + batch.canceled
    if (batch.total > 0) await this.advance({ progress: Math.min(1, done / batch.total) }, 'progress', requestId)
    this.jobLive.broadcast('batch', { batch })
    return batch
  }

  /** Cancels a page of the batch's open analyses; the alarm comes back for the rest. */
  private async sweep() {
    const ids = await openBatchAnalyses(this.data.d1, this.id, SWEEP_PAGE)
    const reason = `batch job ${this.state!.status}`
    await Promise.all(ids.map((id) => analysisStub(this.env, id).cancel(null, null, reason)))
    if (ids.length < SWEEP_PAGE) this.ctx.storage.kv.delete(SWEEP)
    await this.reschedule()
  }

  /** Direct-to-R2 uploads nobody reported are confirmed now, so viewers hear of every artifact. */
  private async announceUploads() {
    for (const artifact of await confirmPendingJobArtifacts(this.data.db, this.env.BUCKET, this.id)) this.live.broadcast('artifact', { artifact })
  }

  /** Other jobs that reuse the snapshot this job froze may now be runnable too. */
  private async wakeSharers(snapshotId: string) {
    const others = await this.data.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.datasetSnapshotId, snapshotId), ne(jobs.id, this.id), eq(jobs.status, 'queued')))
    await Promise.all(others.map((o) => jobStub(this.env, o.id).wake()))
  }

  private async datasetRow() {
    const row = await this.data.db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, this.state!.dataset_snapshot_id!)).get()
    return row ? toSnapshot(row) : null
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping their order. */
async function inParallel<T, U>(items: T[], limit: number, fn: (item: T) => Promise<U>): Promise<U[]> {
  const out: U[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
