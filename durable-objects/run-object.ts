import { DurableObject } from 'cloudflare:workers'
import type { CallbackMeta } from '../src/app-env'
import { getConfig } from '../src/config'
import { connect, type DataAccess } from '../src/db/client'
import { AppError, notFound, type ErrorCode } from '../src/errors'
import type { ActorType } from '../src/schemas/audit'
import type { Artifact } from '../src/schemas/artifacts'
import type { LogLine, RunEventBodies } from '../src/schemas/events'
import { isTerminal, type FINAL_STATUSES, type ProgressPatch, type RunLifecycle, type RunStatus } from '../src/schemas/runs'
import { nextDeadline, PROGRESS_WRITE_INTERVAL_MS, timeoutOf } from './deadlines'
import { EventLog } from './event-log'
import { LiveChannel } from './live-channel'
import { LogStore } from './log-store'
import { NonceStore } from './nonces'
import { asRpcResult } from './rpc'
import type { RunKind } from './run-kind'
import { applyProgress, applyTransition, initialState, publicRecord, type RunState } from './run-state'
import { answerUpgrade } from './run-sockets'
import type { TransitionVia } from './transitions'

const STATE_KEY = 'state'

type Actor = { actorType: ActorType; actorId?: string }
const PIPELINE: Actor = { actorType: 'pipeline' }

/**
 * The shell every run's Durable Object shares: the only writer of the run's status. A change is
 * checked against the pure table and set in the object's storage before any await, written through
 * to D1, and then broadcast to the hibernatable WebSockets watching it. Subclasses add what their
 * kind alone does (annotations for analyses) and name their `kind`.
 */
export abstract class RunObject<K extends string, R extends RunLifecycle> extends DurableObject<Env> {
  protected abstract readonly kind: RunKind<K, R>
  protected state: RunState<R> | undefined
  protected readonly data: DataAccess
  protected readonly events: EventLog
  protected readonly live: LiveChannel<RunEventBodies<K, R>>
  private readonly nonces: NonceStore
  private logStore: LogStore | undefined
  /** Writes under way that must land before the run reads as final. */
  private readonly inflight = new Set<Promise<unknown>>()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.data = connect(env.DB)
    this.events = new EventLog(ctx.storage.sql)
    this.nonces = new NonceStore(ctx.storage.sql)
    this.live = new LiveChannel(ctx, this.events)
    this.state = ctx.storage.kv.get<RunState<R>>(STATE_KEY)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
  }

  /** The run's id: the name its stub was made from. */
  protected get id(): string {
    return this.ctx.id.name!
  }

  protected get logs(): LogStore {
    return (this.logStore ??= new LogStore(this.ctx.storage.sql, this.ctx.storage.kv, this.env.BUCKET, this.kind.prefix(this.id)))
  }

  // ---- RPC: pipeline callbacks ------------------------------------------------------------

  async updateStatus(body: { status: RunStatus; error_message?: string } & ProgressPatch, meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.pipelineGate(meta)
      if (state.status === 'canceled' && body.status !== 'canceled') throw this.canceledError()
      // A finished run is a record: a repeated final status is fine, a change of any field is not.
      if (isTerminal(state.status) && hasProgress(body)) throw this.finalizedError('its progress is closed')
      const moved = this.transition(body.status, 'status', body.error_message)
      const progressed = this.progress(body)
      // Ending the run by status is finalize by another name: writes in flight land first.
      if (moved && isTerminal(this.state!.status)) await this.settleInflight()
      await this.commit(moved, progressed, 'status', meta.requestId)
      return publicRecord(this.state!)
    })
  }

  async reportProgress(body: ProgressPatch, meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.pipelineGate(meta)
      if (state.status === 'canceled') throw this.canceledError()
      if (isTerminal(state.status)) throw this.finalizedError('its progress is closed')
      await this.commit(false, this.progress(body), 'progress', meta.requestId)
      return publicRecord(this.state!)
    })
  }

  async finalize(body: { status: (typeof FINAL_STATUSES)[number]; error_message?: string }, meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.pipelineGate(meta)
      if (state.status === 'canceled') throw this.canceledError()
      const moved = this.transition(body.status, 'finalize', body.error_message)
      await this.settleInflight()
      await this.commit(moved, false, 'finalized', meta.requestId)
      return publicRecord(this.state!)
    })
  }

  /** Checks that an artifact may still be added; a late one would change what a finished run attests. */
  async presignGate(meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.pipelineGate(meta)
      if (state.status === 'canceled') throw this.canceledError()
      if (isTerminal(state.status)) throw this.finalizedError('it takes no more artifacts')
      return publicRecord(state)
    })
  }

  async appendLogs(lines: LogLine[], meta: CallbackMeta) {
    return asRpcResult(async () => {
      const state = await this.pipelineGate(meta)
      if (state.status === 'canceled') throw this.canceledError()
      this.logs.append(lines)
      this.live.queueLines(lines)
      await this.logs.flush(false)
      return { accepted: lines.length, total: this.logs.count() }
    })
  }

  async readLogs(offset: number, limit: number) {
    return asRpcResult(async () => {
      await this.ready()
      return this.logs.read(offset, limit)
    })
  }

  async artifactUploaded(artifact: Artifact) {
    return asRpcResult(async () => {
      await this.ready()
      this.live.broadcast('artifact', { artifact })
    })
  }

  // ---- RPC: people ------------------------------------------------------------------------

  async cancel(userId: string, requestId: string) {
    return asRpcResult(async () => {
      await this.ready()
      const moved = this.transition('canceled', 'cancel', undefined)
      await this.commit(moved, false, 'canceled', requestId, { actorType: 'user', actorId: userId })
      return publicRecord(this.state!)
    })
  }

  async snapshot() {
    return asRpcResult(async () => {
      const state = await this.ready()
      return { record: publicRecord(state), stages: state.stages, seq: this.events.lastSeq() }
    })
  }

  /** Disconnects a user who lost access to the project; returns how many sockets were closed. */
  async disconnect(userId: string) {
    return this.live.disconnect(userId, 'access revoked')
  }

  // ---- WebSockets and alarms --------------------------------------------------------------

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
    // Viewers only listen; the one thing they may ask for is a fresh snapshot.
    if (typeof message === 'string' && message.includes('"snapshot"') && this.state) {
      this.live.flushLines()
      ws.send(JSON.stringify(this.snapshotMessage(this.state, false)))
    }
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    ws.close(code === 1005 ? 1000 : code, 'closing')
  }

  override async webSocketError(ws: WebSocket, error: unknown) {
    console.warn(JSON.stringify({ level: 'warn', message: 'live socket error', run: this.id, error: String(error) }))
    ws.close(1011, 'socket error')
  }

  override async alarm() {
    const state = this.state
    if (!state) return
    const timeout = timeoutOf(state, getConfig(this.env))
    if (timeout && Date.now() >= timeout.at) {
      const moved = this.transition(timeout.to, 'heartbeat', timeout.reason)
      await this.commit(moved, false, timeout.action, null, { actorType: 'system' })
    }
    if (this.state!.progress_written_at < 0) {
      this.save({ ...this.state!, version: this.state!.version + 1 })
      await this.writeThrough(null)
    }
    await this.scheduleAlarm()
  }

  // ---- internals --------------------------------------------------------------------------

  /** Loads the run from D1 once; later calls are served from the object's own storage. */
  protected async ready(): Promise<RunState<R>> {
    if (this.state) return this.state
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.state) return
      const record = await this.kind.load(this.data.db, this.id)
      if (record) this.save(initialState(record))
    })
    if (!this.state) throw notFound(capitalize(this.kind.name))
    await this.scheduleAlarm()
    return this.state
  }

  protected async pipelineGate(meta: CallbackMeta): Promise<RunState<R>> {
    const state = await this.ready()
    const now = Date.now()
    // Twice the skew: a timestamp may be up to `skew` old or `skew` ahead.
    if (meta.nonce && !this.nonces.use(meta.nonce, now, 2 * getConfig(this.env).ML_HMAC_SKEW_SECONDS * 1000)) {
      throw new AppError(401, 'nonce_reused', 'X-ML-Nonce was already used within the signature window')
    }
    // Every signed callback is a heartbeat.
    this.save({ ...state, last_callback_at: new Date(now).toISOString() })
    await this.scheduleAlarm()
    return this.state!
  }

  protected save(next: RunState<R>) {
    this.state = next
    this.ctx.storage.kv.put(STATE_KEY, next)
  }

  /** Runs `work` as a write the run's end must wait for. */
  protected async track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work)
    try {
      return await work
    } finally {
      this.inflight.delete(work)
    }
  }

  protected canceledError = () => new AppError(409, `${this.kind.name}_canceled` as ErrorCode, `The ${this.kind.name} was canceled; stop working on it`)

  protected finalizedError = (why: string) =>
    new AppError(409, `${this.kind.name}_finalized` as ErrorCode, `The ${this.kind.name} is ${this.state!.status}; ${why}`, { current_status: this.state!.status })

  /** What a kind does as its run ends, before the final status is written and sent. */
  protected async beforeFinal(): Promise<void> {}

  private async settleInflight() {
    await Promise.allSettled([...this.inflight])
  }

  /** Check-and-set in the object's storage with no await in between: exactly one caller wins a race. */
  private transition(to: RunStatus, via: TransitionVia, errorMessage: string | undefined): boolean {
    const next = applyTransition(this.state!, to, via, errorMessage, new Date().toISOString())
    if (next) this.save(next)
    return next !== null
  }

  private progress(patch: ProgressPatch): boolean {
    const next = applyProgress(this.state!, patch, new Date().toISOString())
    if (!next) return false
    this.save(next)
    this.live.broadcast('progress', { progress: next.progress, stage: next.stage, stages: next.stages, message: patch.message ?? null })
    return true
  }

  /** Writes a change through to D1 (a move always, progress at most once a second) and tells the viewers. */
  private async commit(moved: boolean, progressed: boolean, action: string, requestId: string | null, actor: Actor = PIPELINE) {
    if (moved) {
      const terminal = isTerminal(this.state!.status)
      if (terminal) {
        this.live.flushLines()
        await this.logs.flush(true)
        await this.beforeFinal()
      }
      this.save({ ...this.state!, progress_written_at: Date.now() })
      await this.writeThrough({ ...actor, action: `${this.kind.name}.${action}`, requestId })
      const body = this.recordBody()
      this.live.broadcast('status', body)
      if (terminal) this.live.broadcast('finalized', body)
    } else if (progressed) {
      if (Date.now() - this.state!.progress_written_at >= PROGRESS_WRITE_INTERVAL_MS) {
        this.save({ ...this.state!, version: this.state!.version + 1, progress_written_at: Date.now() })
        await this.writeThrough(null)
      } else {
        this.save({ ...this.state!, progress_written_at: -1 })
      }
    }
    await this.scheduleAlarm()
  }

  private async writeThrough(audit: (Actor & { action: string; requestId: string | null }) | null) {
    const s = this.state!
    await this.kind.writeThrough(
      this.data.db,
      publicRecord(s),
      audit && {
        ...audit,
        targetType: this.kind.name,
        targetId: s.id,
        projectId: s.project_id,
        details: { status: s.status, version: s.version },
      },
    )
    if (s.progress_written_at < 0) this.save({ ...this.state!, progress_written_at: Date.now() })
  }

  /** The record under its kind's name, as status events carry it (TypeScript cannot name a generic key). */
  private recordBody(): RunEventBodies<K, R>['status'] {
    return { [this.kind.name]: publicRecord(this.state!), stages: this.state!.stages } as RunEventBodies<K, R>['status']
  }

  private snapshotMessage(state: RunState<R>, reset: boolean) {
    return { type: 'snapshot', seq: this.events.lastSeq(), reset, [this.kind.name]: publicRecord(state), stages: state.stages, logs: this.logs.recent() }
  }

  private async scheduleAlarm() {
    if (!this.state) return
    const at = nextDeadline(this.state, getConfig(this.env), Date.now())
    if (at === null) return this.ctx.storage.deleteAlarm()
    if ((await this.ctx.storage.getAlarm()) !== at) await this.ctx.storage.setAlarm(at)
  }
}

const hasProgress = (p: ProgressPatch) => p.progress !== undefined || p.stage !== undefined || p.message !== undefined
const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1)
