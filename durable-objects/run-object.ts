import { DurableObject } from 'cloudflare:workers'
import type { CallbackMeta, RpcMeta } from '../src/app-env'
import { getConfig } from '../src/config'
import { connect, type DataAccess } from '../src/db/client'
import { AppError, notFound } from '../src/errors'
import { log } from '../src/observability/log'
import type { Artifact } from '../src/schemas/artifacts'
import type { LogLine, RunEventBodies } from '../src/schemas/events'
import { isTerminal, type FINAL_STATUSES, type ProgressPatch, type RunLifecycle, type RunStatus, type StatusReason } from '../src/schemas/runs'
import { announceEnd } from '../src/dispatch/lifecycle'
import { currentLease, endLease } from '../src/dispatch/leases'
import { leaseDue, timeoutOf, type KindClock } from './deadlines'
import { EventLog } from './event-log'
import { LiveChannel } from './live-channel'
import { LogStore } from './log-store'
import { NonceStore } from './nonces'
import { InflightWrites } from './inflight'
import { asRpcResult } from './rpc'
import { canceledError, finalizedError, recordBody, snapshotMessage } from './run-messages'
import type { RunKind } from './run-kind'
import { applyRequeue, publicRecord, type RunState } from './run-state'
import { RunStore } from './run-store'
import { RunSync, type Actor } from './run-sync'
import { answerUpgrade } from './run-sockets'

const PIPELINE: Actor = { actorType: 'pipeline' }
/** The origin the run was first reached on: deliveries build callback URLs from it when PUBLIC_URL is unset. */
const ORIGIN = 'origin'

/**
 * The shell every run's Durable Object shares: the only writer of the run's status. A change is
 * checked against the pure table and set in the object's storage before any await, written through
 * to D1, and then broadcast to the hibernatable WebSockets watching it. Subclasses add what their
 * kind alone does (annotations for analyses) and name their `kind`.
 */
export abstract class RunObject<K extends string, R extends RunLifecycle, A = Artifact> extends DurableObject<Env> {
  protected abstract readonly kind: RunKind<K, R>
  protected readonly store: RunStore<R>
  protected readonly data: DataAccess
  protected readonly events: EventLog
  protected readonly live: LiveChannel<RunEventBodies<K, R, A>>
  private readonly nonces: NonceStore
  private logStore: LogStore | undefined
  private readonly inflight = new InflightWrites()
  private syncer: RunSync<K, R> | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.data = connect(env.DB)
    this.events = new EventLog(ctx.storage.sql)
    this.nonces = new NonceStore(ctx.storage.sql)
    this.live = new LiveChannel(ctx, this.events)
    this.store = new RunStore<R>(ctx)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
  }

  protected get state(): RunState<R> | undefined {
    return this.store.state
  }

  /** The run's id: the name its stub was made from. */
  protected get id(): string {
    return this.ctx.id.name!
  }

  private get sync(): RunSync<K, R> {
    return (this.syncer ??= new RunSync(this.ctx, this.env, this.store, this.kind, this.data.db, () => this.clock()))
  }

  protected get logs(): LogStore {
    return (this.logStore ??= new LogStore(this.ctx.storage.sql, this.ctx.storage.kv, this.env.BUCKET, this.kind.prefix(this.id)))
  }

  async updateStatus(body: { status: RunStatus; error_message?: string } & ProgressPatch, meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.pipelineGate(meta)
      if (state.status === 'canceled' && body.status !== 'canceled') throw this.canceledError()
      // A finished run is a record: a repeated final status is fine, a change of any field is not.
      if (isTerminal(state.status) && hasProgress(body)) throw this.finalizedError('its progress is closed')
      const moved = this.store.transition(body.status, 'status', body.error_message)
      const progressed = this.progress(body)
      // Ending the run by status is finalize by another name: writes in flight land first.
      if (moved && isTerminal(this.state!.status)) await this.inflight.settle()
      await this.commit(moved, progressed, 'status', meta.requestId)
      return publicRecord(this.state!)
    }, meta)
  }

  async reportProgress(body: ProgressPatch, meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.openGate(meta)
      if (isTerminal(state.status)) throw this.finalizedError('its progress is closed')
      await this.commit(false, this.progress(body), 'progress', meta.requestId)
      return publicRecord(this.state!)
    }, meta)
  }

  async finalize(body: { status: (typeof FINAL_STATUSES)[number]; error_message?: string }, meta: CallbackMeta) {
    return asRpcResult(async () => {
      await this.openGate(meta)
      const moved = this.store.transition(body.status, 'finalize', body.error_message)
      await this.inflight.settle()
      await this.commit(moved, false, 'finalized', meta.requestId)
      return publicRecord(this.state!)
    }, meta)
  }

  /** Checks that an artifact may still be added; a late one would change what a finished run attests. */
  async presignGate(meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.openGate(meta)
      if (isTerminal(state.status)) throw this.finalizedError('it takes no more artifacts')
      return publicRecord(state)
    }, meta)
  }

  async appendLogs(lines: LogLine[], meta: CallbackMeta) {
    return asRpcResult(async () => {
      await this.openGate(meta)
      this.logs.append(lines)
      this.live.queueLines(lines)
      await this.logs.flush(false)
      return { accepted: lines.length, total: this.logs.count() }
    }, meta)
  }

  async readLogs(offset: number, limit: number) {
    return asRpcResult(async () => {
      await this.ready()
      return this.logs.read(offset, limit)
    })
  }

  async artifactUploaded(artifact: A) {
    return asRpcResult(async () => {
      await this.ready()
      this.live.broadcast('artifact', { artifact })
    })
  }

  /**
   * Cancels the run: for a person (`by`, their user id), or for the system when `by` is null, with
   * `reason` as its error message and `code` as its `status_reason`.
   */
  async cancel(by: string | null, meta: RpcMeta | null, reason?: string, code: StatusReason = 'job_ended') {
    return asRpcResult(async () => {
      this.rememberOrigin(meta?.origin)
      await this.ready()
      const moved = this.store.transition('canceled', 'cancel', reason, by ? 'user' : code)
      await this.commit(moved, false, 'canceled', meta?.requestId ?? null, by ? { actorType: 'user', actorId: by } : { actorType: 'system' })
      return publicRecord(this.state!)
    }, meta ?? undefined)
  }

  /** Wakes the object for a run nobody may call back on for a while, so its alarm keeps the run's deadline. */
  async arm(meta: RpcMeta, origin: string) {
    return asRpcResult(async () => {
      this.rememberOrigin(origin)
      return publicRecord(await this.ready())
    }, meta)
  }

  /**
   * A worker claimed the run (docs/dispatch.md#leases): the object wakes when the lease runs out,
   * and the claimant now holds the run.
   */
  async leased(expiresAt: string, pipelineId: string | null, origin: string) {
    return asRpcResult(async () => {
      this.rememberOrigin(origin)
      const state = await this.ready()
      this.store.update({ lease_expires_at: expiresAt, ...('pipeline_id' in state ? { pipeline_id: pipelineId } : {}) })
      await this.sync.schedule()
      return publicRecord(this.state!)
    })
  }

  /**
   * Its worker gives the run back (a graceful shutdown): it goes back to the queue at once, for any
   * worker to claim, and the claim does not count against it. 409 `lease_lost` when the token is
   * no longer the run's.
   */
  async releaseLease(token: string, meta: RpcMeta) {
    return asRpcResult(async () => {
      await this.ready()
      if (!(await endLease(this.data.db, this.kind.name as 'analysis' | 'job', this.id, token, { requeue: true, refund: true }))) {
        throw new AppError(409, 'lease_lost', `This lease is no longer the ${this.kind.name}'s`)
      }
      if (!isTerminal(this.state!.status)) await this.requeue('released', meta.requestId)
      return publicRecord(this.state!)
    }, meta)
  }

  /**
   * Deletes everything the object stores (state, events, nonces, recent log lines, the alarm): the
   * retention purge calls it before the run's row leaves D1, so nothing of the run outlives it.
   */
  async purge() {
    for (const ws of this.ctx.getWebSockets()) ws.close(1001, 'deleted')
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.store.forget()
    this.logStore = undefined
  }

  /** Disconnects a user who lost access to the project; returns how many sockets were closed. */
  async disconnect(userId: string) {
    return this.live.disconnect(userId, 'access revoked')
  }

  override async fetch(request: Request): Promise<Response> {
    const state = await this.ready()
    // Lines waiting for their frame would otherwise reach a new socket twice: in the snapshot and in the frame.
    this.live.flushLines()
    return answerUpgrade(request, {
      live: this.live as unknown as LiveChannel<never>,
      events: this.events,
      idField: `${this.kind.name}_id`,
      id: this.id,
      snapshot: (reset) => this.snapshotMessage(state, reset),
    })
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    if (this.state) this.live.answer(ws, message, () => this.snapshotMessage(this.state!, false))
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    ws.close(code === 1005 ? 1000 : code, 'closing')
  }

  override async webSocketError(ws: WebSocket, error: unknown) {
    this.live.failed(ws, error, this.id)
  }

  override async alarm() {
    this.sync.alarmFired()
    const state = this.state
    if (!state) return
    const lease = leaseDue(state)
    if (lease !== null && Date.now() >= lease) await this.leaseRanOut()
    const timeout = timeoutOf(state, getConfig(this.env), this.clock().queuedSince)
    if (timeout && Date.now() >= timeout.at && !isTerminal(this.state!.status)) {
      await this.moveBySystem(timeout.to, timeout.to === 'canceled' ? 'cancel' : 'heartbeat', timeout.reason, timeout.action, timeout.code)
    }
    await this.work()
    await this.sync.writePendingProgress()
    await this.sync.schedule()
  }

  /** Loads the run from D1 once; later calls are served from the object's own storage. */
  protected async ready(): Promise<RunState<R>> {
    if (this.state) return this.state
    if (!(await this.store.loadOnce(() => this.kind.load(this.data.db, this.id)))) throw notFound(capitalize(this.kind.name))
    await this.sync.schedule()
    return this.state!
  }

  protected async pipelineGate(meta: CallbackMeta): Promise<RunState<R>> {
    this.rememberOrigin(meta.origin)
    await this.ready()
    const now = Date.now()
    // Twice the skew: a timestamp may be up to `skew` old or `skew` ahead.
    if (meta.nonce && !this.nonces.use(meta.nonce, now, 2 * getConfig(this.env).ML_HMAC_SKEW_SECONDS * 1000)) {
      throw new AppError(401, 'nonce_reused', 'X-ML-Nonce was already used within the signature window')
    }
    // Every signed callback is a heartbeat.
    this.store.update({ last_callback_at: new Date(now).toISOString() })
    await this.sync.schedule()
    return this.state!
  }

  /** The gate of every callback that does work: a canceled run tells its pipeline to stop. */
  protected async openGate(meta: CallbackMeta): Promise<RunState<R>> {
    const state = await this.pipelineGate(meta)
    if (state.status === 'canceled') throw this.canceledError()
    return state
  }

  /** Runs `work` as a write the run's end must wait for. */
  protected track = <T>(work: Promise<T>): Promise<T> => this.inflight.track(work)

  protected canceledError = () => canceledError(this.kind.name)
  protected finalizedError = (why: string) => finalizedError(this.kind.name, this.state!, why)

  /** What a kind does as its run ends, before the final status is written and sent. */
  protected async beforeFinal(): Promise<void> {}

  /** What a kind does once its run's end is written and sent: free what the run held. */
  protected async afterFinal(): Promise<void> {}

  /** The kind's share of the clock (see `KindClock`); the default is the analysis's. */
  protected clock(): KindClock {
    return {}
  }

  /** The kind's share of the alarm, run when `clock().workDue` has come. */
  protected async work(): Promise<void> {}

  /** Sets the alarm again after the kind changed something its clock reads. */
  protected reschedule = (): Promise<void> => this.sync.schedule()

  /** A move nobody asked for over a callback: a deadline passed, or the kind's own work failed. */
  protected async moveBySystem(to: RunStatus, via: 'heartbeat' | 'finalize' | 'cancel', reason: string, action: string, code: StatusReason | null = null) {
    const moved = this.store.transition(to, via, reason, code)
    await this.commit(moved, false, action, null, { actorType: 'system' })
  }

  /**
   * The lease the object last heard of has run out, unless D1 says a callback renewed it. A run
   * claimed fewer than ML_CLAIM_MAX_ATTEMPTS times goes back to the queue for another worker; one
   * whose workers kept dying fails with the reason `lease_expired`.
   */
  private async leaseRanOut() {
    const kind = this.kind.name as 'analysis' | 'job'
    const lease = await currentLease(this.data.db, kind, this.id)
    const now = new Date().toISOString()
    if (lease && lease.expiresAt > now) return void this.store.update({ lease_expires_at: lease.expiresAt })
    this.store.update({ lease_expires_at: null })
    if (!lease || isTerminal(this.state!.status)) return
    const max = getConfig(this.env).ML_CLAIM_MAX_ATTEMPTS
    const last = lease.claims >= max
    // A renewal that landed between the read and now keeps the lease: then nothing moves.
    if (!(await endLease(this.data.db, kind, this.id, lease.token, { requeue: !last, expiredBy: now }))) {
      return void this.store.update({ lease_expires_at: (await currentLease(this.data.db, kind, this.id))?.expiresAt ?? null })
    }
    if (last) await this.moveBySystem('failed', 'finalize', `lease expired ${lease.claims} times: no worker finished it`, 'lease_expired', 'lease_expired')
    else await this.requeue('lease_expired', null)
  }

  /** Back to `queued`, unheld: the next claim gets the run with a new token. */
  private async requeue(reason: 'lease_expired' | 'released', requestId: string | null) {
    this.store.save(applyRequeue(this.state!, reason, new Date().toISOString()))
    if ('pipeline_id' in this.state!) this.store.update({ pipeline_id: null } as Partial<RunState>)
    await this.commit(true, false, reason === 'released' ? 'released' : 'requeued', requestId, { actorType: 'system' })
  }

  protected rememberOrigin(origin: string | undefined) {
    if (origin && !this.ctx.storage.kv.get<string>(ORIGIN)) this.ctx.storage.kv.put(ORIGIN, origin)
  }

  /** Where deliveries of the run point: PUBLIC_URL, else the origin it was first reached on; null when neither is known. */
  protected origin(): string | null {
    return getConfig(this.env).PUBLIC_URL ?? this.ctx.storage.kv.get<string>(ORIGIN) ?? null
  }

  /** Progress the kind works out itself (a batch's share of images done), written and sent like a report. */
  protected async advance(patch: ProgressPatch, action: string, requestId: string | null) {
    if (isTerminal(this.state!.status)) return
    await this.commit(false, this.progress(patch), action, requestId)
  }

  private progress(patch: ProgressPatch): boolean {
    const next = this.store.progress(patch)
    if (!next) return false
    this.live.broadcast('progress', { progress: next.progress, stage: next.stage, stages: next.stages, message: patch.message ?? null })
    return true
  }

  /** Writes a change through to D1 and tells the viewers; a finished run first moves its whole log to R2. */
  private async commit(moved: boolean, progressed: boolean, action: string, requestId: string | null, actor: Actor = PIPELINE) {
    if (moved) {
      const terminal = isTerminal(this.state!.status)
      if (terminal) {
        this.live.flushLines()
        await this.logs.flush(true)
        await this.beforeFinal()
      }
      await this.sync.writeMove(actor, action, requestId)
      log.info('run moved', { kind: this.kind.name, run_id: this.id, status: this.state!.status, action, actor: actor.actorType })
      const body = recordBody(this.kind.name, this.state!)
      this.live.broadcast('status', body)
      if (terminal) {
        this.live.broadcast('finalized', body)
        await this.afterFinal()
        await this.announceEnd()
      }
    } else if (progressed) {
      await this.sync.writeProgressSoon()
    }
    await this.sync.schedule()
  }

  /** Tells the endpoints that asked about the run's end (a cancel also reaches the worker it was pushed to). */
  private async announceEnd() {
    const origin = this.origin()
    if (!origin) return
    try {
      await announceEnd(this.env, this.data.db, getConfig(this.env), origin, { kind: this.kind.name, id: this.id }, this.state!)
    } catch (err) {
      log.error('lifecycle announcement failed', { kind: this.kind.name, run_id: this.id, error: String(err) })
    }
  }

  private snapshotMessage(state: RunState<R>, reset: boolean) {
    return snapshotMessage(this.kind.name, state, this.events.lastSeq(), reset, this.logs.recent())
  }
}

const hasProgress = (p: ProgressPatch) => p.progress !== undefined || p.stage !== undefined || p.message !== undefined
const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1)
