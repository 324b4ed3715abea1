import { DurableObject } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { getConfig } from '../src/config'
import { createDb } from '../src/db/client'
import { withD1Limits } from '../src/db/d1-limits'
import { analyses } from '../src/db/schema'
import { AppError, notFound, type RpcResult } from '../src/errors'
import {
  assertArtifactsUploaded,
  assertKeysFree,
  bulkStatements,
  countStatement,
  prepareAnnotations,
  selectByHashes,
  type BulkMode,
} from '../src/domain/annotations-bulk'
import { annotationFromRaw, toAnalysis } from '../src/domain/serialize'
import type { AnnotationInput } from '../src/schemas/annotation-types'
import type { Analysis, Annotation, AnalysisStatus } from '../src/schemas/analyses'
import type { LogLine } from '../src/schemas/events'
import { confirmPendingArtifacts } from '../src/domain/artifacts'
import { BITMAP_TYPES } from '../src/schemas/annotation-types'
import { closeStages, enterStage, nextProgress, publicAnalysis, type AnalysisState } from './analysis-state'
import { EventLog } from './event-log'
import { LOG_CHUNK_LINES, logChunkKey, LogStore } from './log-store'
import { NonceStore } from './nonces'
import { nextState, TERMINAL, type TransitionVia } from './transitions'

export interface CallbackMeta {
  requestId: string
  nonce?: string
}

export interface ProgressPatch {
  progress?: number
  stage?: string
  message?: string
}

const STATE_KEY = 'state'
const ANNOTATION_EVENT_CHUNK = 500
const PROGRESS_WRITE_INTERVAL_MS = 1000
/** Log bursts go out as one frame per this many milliseconds. */
const LOG_FRAME_MS = 75

/**
 * One object per analysis: the only writer of its status. Every transition is checked against the
 * pure table and set in this object's storage before any D1 await, then written through to D1,
 * then broadcast to the hibernatable WebSockets watching it.
 */
export class AnalysisObject extends DurableObject<Env> {
  private state: AnalysisState | undefined
  private readonly events: EventLog
  private readonly nonces: NonceStore
  private readonly logs: LogStore
  private pendingLogFrame: LogLine[] = []
  private logFrameTimer: ReturnType<typeof setTimeout> | undefined
  private readonly d1: D1Database
  /** Bulk writes under way; finalize waits for them so the frozen set is complete. */
  private readonly inflight = new Set<Promise<unknown>>()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.events = new EventLog(ctx.storage.sql)
    this.nonces = new NonceStore(ctx.storage.sql)
    this.logs = new LogStore(ctx.storage.sql, ctx.storage.kv)
    this.state = ctx.storage.kv.get<AnalysisState>(STATE_KEY)
    this.d1 = withD1Limits(env.DB)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'))
  }

  // ---- RPC: pipeline callbacks ------------------------------------------------------------

  async updateStatus(id: string, body: { status: AnalysisStatus; error_message?: string } & ProgressPatch, meta: CallbackMeta) {
    return this.rpc(async () => {
      const state = await this.pipelineGate(id, meta)
      if (state.status === 'canceled' && body.status !== 'canceled') throw canceledError()
      const moved = this.transition(body.status, 'status', body.error_message)
      const patched = this.applyProgress(body)
      // Ending the run by status is finalize by another name: in-flight bulk writes land first.
      if (moved && TERMINAL.has(this.state!.status)) await Promise.allSettled([...this.inflight])
      await this.persistChanges(moved, patched, 'analysis.status', meta.requestId)
      return publicAnalysis(this.state!)
    })
  }

  async reportProgress(id: string, body: ProgressPatch, meta: CallbackMeta) {
    return this.rpc(async () => {
      const state = await this.pipelineGate(id, meta)
      if (state.status === 'canceled') throw canceledError()
      if (TERMINAL.has(state.status)) throw new AppError(409, 'analysis_finalized', `Analysis is ${state.status}; progress is closed`)
      const patched = this.applyProgress(body)
      await this.persistChanges(false, patched, 'analysis.progress', meta.requestId)
      return publicAnalysis(this.state!)
    })
  }

  async finalize(id: string, body: { status: 'completed' | 'failed'; error_message?: string }, meta: CallbackMeta) {
    return this.rpc(async () => {
      const state = await this.pipelineGate(id, meta)
      if (state.status === 'canceled') throw canceledError()
      const moved = this.transition(body.status, 'finalize', body.error_message)
      // Bulk writes that started before the freeze must land before the analysis reads as final.
      await Promise.allSettled([...this.inflight])
      await this.persistChanges(moved, false, 'analysis.finalized', meta.requestId)
      return publicAnalysis(this.state!)
    })
  }

  async presignGate(id: string, meta: CallbackMeta) {
    return this.rpc(async () => {
      const state = await this.pipelineGate(id, meta)
      if (state.status === 'canceled') throw canceledError()
      // A finalized analysis is a record: an artifact arriving later would change what its bundle attests.
      if (TERMINAL.has(state.status)) throw new AppError(409, 'analysis_finalized', `Analysis is ${state.status}; it takes no more artifacts`)
      return publicAnalysis(state)
    })
  }

  async bulkAnnotations(id: string, body: { annotations: AnnotationInput[]; mode: BulkMode }, meta: CallbackMeta) {
    return this.rpc(async () => {
      await this.pipelineGate(id, meta)
      // Read after the gate's await, not the gate's snapshot: a finalize may have moved in between.
      const state = this.state!
      if (state.status === 'canceled') throw canceledError()
      // Decided before any await: a finalize that lands after this point waits for us.
      if (TERMINAL.has(state.status)) return this.frozenReplay(body)
      const work = this.writeAnnotations(body, meta)
      this.inflight.add(work)
      try {
        return await work
      } finally {
        this.inflight.delete(work)
      }
    })
  }

  async appendLogs(id: string, lines: LogLine[], meta: CallbackMeta) {
    return this.rpc(async () => {
      const state = await this.pipelineGate(id, meta)
      if (state.status === 'canceled') throw canceledError()
      this.logs.append(lines)
      this.pendingLogFrame.push(...lines)
      if (this.pendingLogFrame.length >= LOG_CHUNK_LINES) this.flushLogFrame()
      else this.logFrameTimer ??= setTimeout(() => this.flushLogFrame(), LOG_FRAME_MS)
      await this.flushLogChunks(false)
      return { accepted: lines.length, total: this.logs.count() }
    })
  }

  async readLogs(id: string, offset: number, limit: number) {
    return this.rpc(async () => {
      await this.ready(id)
      const total = this.logs.count()
      const end = Math.min(total, offset + limit)
      const lines: LogLine[] = []
      for (let from = offset; from < end; ) {
        const chunk = Math.floor(from / LOG_CHUNK_LINES)
        const to = Math.min(end, (chunk + 1) * LOG_CHUNK_LINES)
        const local = this.logs.local(from, to)
        if (local) lines.push(...local)
        else {
          const object = await this.env.BUCKET.get(logChunkKey(id, chunk))
          const stored = object ? (await object.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) : []
          lines.push(...stored.slice(from - chunk * LOG_CHUNK_LINES, to - chunk * LOG_CHUNK_LINES))
        }
        from = to
      }
      return { lines, total, offset, next_offset: end < total ? end : null }
    })
  }

  async artifactUploaded(id: string, artifact: Record<string, unknown>) {
    return this.rpc(async () => {
      await this.ready(id)
      this.broadcast('artifact', { artifact })
    })
  }

  // ---- RPC: user actions ------------------------------------------------------------------

  async cancel(id: string, userId: string, requestId: string) {
    return this.rpc(async () => {
      await this.ready(id)
      const moved = this.transition('canceled', 'cancel', undefined)
      await this.persistChanges(moved, false, 'analysis.canceled', requestId, { actorType: 'user', actorId: userId })
      return publicAnalysis(this.state!)
    })
  }

  async snapshot(id: string) {
    return this.rpc(async () => {
      const state = await this.ready(id)
      return { analysis: publicAnalysis(state), stages: state.stages, seq: this.events.lastSeq() }
    })
  }

  // ---- WebSockets -------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const id = request.headers.get('X-Analysis-Id')
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket' || !id) {
      return new Response('Expected a WebSocket upgrade', { status: 426 })
    }
    const state = await this.ready(id)
    const url = new URL(request.url)
    const sinceParam = url.searchParams.get('since')
    const since = sinceParam !== null && /^\d+$/.test(sinceParam) ? Number(sinceParam) : null
    // Lines waiting for their frame would reach this socket twice: in the snapshot and in the frame.
    this.flushLogFrame()
    const { 0: client, 1: server } = new WebSocketPair()
    // The attachment survives hibernation; it is all the object needs to remember per socket.
    this.ctx.acceptWebSocket(server)
    server.serializeAttachment({ userId: request.headers.get('X-User-Id'), connectedAt: Date.now() })
    server.send(JSON.stringify({ type: 'connected', analysis_id: id, seq: this.events.lastSeq() }))
    const missed = since === null ? null : this.events.since(since)
    if (missed) {
      for (const event of missed) server.send(event)
    } else {
      server.send(JSON.stringify(this.snapshotMessage(state, since !== null)))
    }
    return new Response(null, { status: 101, webSocket: client })
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    // Viewers only listen; the one thing they may ask for is a fresh snapshot.
    if (typeof message === 'string' && message.includes('"snapshot"') && this.state) {
      this.flushLogFrame()
      ws.send(JSON.stringify(this.snapshotMessage(this.state, false)))
    }
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    ws.close(code === 1005 ? 1000 : code, 'closing')
  }

  // ---- Alarms -----------------------------------------------------------------------------

  override async alarm() {
    const state = this.state
    if (!state) return
    const config = getConfig(this.env)
    const now = Date.now()
    if (state.status === 'processing') {
      const last = Date.parse(state.last_callback_at ?? state.started_at ?? state.created_at)
      if (now >= last + config.ML_HEARTBEAT_TIMEOUT_SECONDS * 1000) {
        const moved = this.transition('failed', 'heartbeat', 'heartbeat timeout')
        await this.persistChanges(moved, false, 'analysis.heartbeat_timeout', null, { actorType: 'system' })
      }
    } else if (state.status === 'queued') {
      if (now >= Date.parse(state.created_at) + config.ML_QUEUE_TIMEOUT_SECONDS * 1000) {
        const moved = this.transition('canceled', 'heartbeat', 'queue timeout')
        await this.persistChanges(moved, false, 'analysis.queue_timeout', null, { actorType: 'system' })
      }
    }
    if (this.state!.progress_written_at < 0) {
      this.save({ ...this.state!, version: this.state!.version + 1 })
      await this.writeThrough(null, null)
    }
    await this.scheduleAlarm()
  }

  // ---- internals --------------------------------------------------------------------------

  /** Expected failures travel as values: RPC would strip an AppError down to its message. */
  private async rpc<T>(fn: () => Promise<T>): Promise<RpcResult<T>> {
    try {
      return { ok: true, value: await fn() }
    } catch (err) {
      if (err instanceof AppError) return { ok: false, error: err.toJSON().error, status: err.status }
      throw err
    }
  }

  /** Loads the analysis from D1 once; later calls are served from the object's own storage. */
  private async ready(id: string): Promise<AnalysisState> {
    if (this.state) {
      if (this.state.id !== id) throw notFound('Analysis')
      return this.state
    }
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.state) return
      const row = await createDb(this.env.DB).select().from(analyses).where(eq(analyses.id, id)).get()
      if (!row || row.deletedAt) return
      this.save({ ...toAnalysis(row), stages: [], last_callback_at: null, progress_written_at: 0 })
    })
    if (!this.state) throw notFound('Analysis')
    await this.scheduleAlarm()
    return this.state
  }

  private async pipelineGate(id: string, meta: CallbackMeta): Promise<AnalysisState> {
    const state = await this.ready(id)
    const config = getConfig(this.env)
    const now = Date.now()
    // Twice the skew: a timestamp may be up to `skew` old or `skew` ahead.
    if (meta.nonce && !this.nonces.use(meta.nonce, now, 2 * config.ML_HMAC_SKEW_SECONDS * 1000)) {
      throw new AppError(401, 'nonce_reused', 'X-ML-Nonce was already used within the signature window')
    }
    // Every signed callback is a heartbeat.
    this.save({ ...state, last_callback_at: new Date(now).toISOString() })
    await this.scheduleAlarm()
    return this.state!
  }

  private save(next: AnalysisState) {
    this.state = next
    this.ctx.storage.kv.put(STATE_KEY, next)
  }

  /** Check-and-set in the object's storage with no await in between: exactly one caller wins a race. */
  private transition(to: AnalysisStatus, via: TransitionVia, errorMessage: string | undefined): boolean {
    const s = this.state!
    const result = nextState(s.status, to, via)
    if (result.kind === 'noop') return false
    if (result.kind === 'illegal') {
      throw new AppError(409, 'illegal_transition', `Cannot move analysis from ${s.status} to ${to}`, {
        current_status: s.status,
        requested_status: to,
      })
    }
    const now = new Date().toISOString()
    const terminal = TERMINAL.has(to)
    this.save({
      ...s,
      status: to,
      version: s.version + 1,
      updated_at: now,
      started_at: s.started_at ?? (to === 'processing' ? now : null),
      completed_at: terminal ? now : s.completed_at,
      progress: to === 'completed' ? 1 : s.progress,
      error_message: to === 'failed' || to === 'canceled' ? (errorMessage ?? s.error_message) : s.error_message,
      stages: terminal ? closeStages(s.stages, now) : s.stages,
    })
    return true
  }

  private applyProgress(patch: ProgressPatch): boolean {
    const s = this.state!
    if (patch.progress === undefined && patch.stage === undefined && patch.message === undefined) return false
    const now = new Date().toISOString()
    const progress = nextProgress(s, patch.progress, patch.stage)
    const stage = patch.stage ?? s.stage
    const stages = patch.stage ? enterStage(s.stages, patch.stage, now) : s.stages
    this.save({ ...s, progress, stage, stages, updated_at: now })
    this.broadcast('progress', { progress, stage, stages, message: patch.message ?? null })
    return true
  }

  private async persistChanges(
    moved: boolean,
    progressed: boolean,
    action: string,
    requestId: string | null,
    actor: { actorType: 'pipeline' | 'user' | 'system'; actorId?: string } = { actorType: 'pipeline' },
  ) {
    if (moved) {
      if (TERMINAL.has(this.state!.status)) {
        this.flushLogFrame()
        await this.flushLogChunks(true)
      }
      this.save({ ...this.state!, progress_written_at: Date.now() })
      await this.writeThrough(action, requestId, actor)
      this.broadcast('status', { analysis: publicAnalysis(this.state!) })
      if (TERMINAL.has(this.state!.status)) this.broadcast('finalized', { analysis: publicAnalysis(this.state!) })
    } else if (progressed) {
      // Coarse progress only: D1 hears about it at most once a second; the alarm flushes the rest.
      if (Date.now() - this.state!.progress_written_at >= PROGRESS_WRITE_INTERVAL_MS) {
        this.save({ ...this.state!, version: this.state!.version + 1, progress_written_at: Date.now() })
        await this.writeThrough(null, requestId)
      } else {
        this.save({ ...this.state!, progress_written_at: -1 })
      }
    }
    await this.scheduleAlarm()
  }

  /**
   * Writes the object's view of the analysis to D1; a stale write (lower version) changes nothing.
   * Equal versions are rewritten: a bulk write bumps the row's version without its status, and a
   * finalize that waited for that bulk write carries the same version.
   */
  private async writeThrough(action: string | null, requestId: string | null, actor: { actorType: string; actorId?: string } = { actorType: 'pipeline' }) {
    const s = this.state!
    const statements = [
      this.d1
        .prepare(
          `UPDATE analyses SET status = ?, error_message = ?, progress = ?, stage = ?, started_at = ?, completed_at = ?, updated_at = ?, version = ?
           WHERE id = ? AND version <= ?`,
        )
        .bind(s.status, s.error_message, s.progress, s.stage, s.started_at, s.completed_at, s.updated_at, s.version, s.id, s.version),
    ]
    if (action) {
      statements.push(
        this.d1
          .prepare(
            `INSERT INTO audit_log (actor_type, actor_id, action, target_type, target_id, project_id, request_id, details) VALUES (?, ?, ?, 'analysis', ?, ?, ?, ?)`,
          )
          .bind(actor.actorType, actor.actorId ?? null, action, s.id, s.project_id, requestId, JSON.stringify({ status: s.status, version: s.version })),
      )
    }
    await this.d1.batch(statements)
    if (s.progress_written_at < 0) this.save({ ...this.state!, progress_written_at: Date.now() })
  }

  private async writeAnnotations(body: { annotations: AnnotationInput[]; mode: BulkMode }, meta: CallbackMeta) {
    const id = this.state!.id
    const prepared = await prepareAnnotations(body.annotations)
    const bitmaps = body.annotations.filter((a) => BITMAP_TYPES.has(a.annotation_type) && a.storage_path).map((a) => a.storage_path!)
    await confirmPendingArtifacts(createDb(this.env.DB), this.env.BUCKET, id, bitmaps)
    await assertArtifactsUploaded(this.d1, id, body.annotations)
    if (body.mode === 'append') await assertKeysFree(this.d1, id, prepared)
    const now = new Date().toISOString()
    const version = this.state!.version + 1
    this.save({ ...this.state!, version })
    const writes = bulkStatements(this.d1, id, prepared, body.mode, now)
    const statements = [
      ...writes,
      this.d1
        .prepare(
          `UPDATE analyses SET annotation_count = (SELECT count(*) FROM annotations WHERE analysis_id = ?1), version = max(version, ?2), updated_at = ?3 WHERE id = ?1`,
        )
        .bind(id, version, now),
      this.d1
        .prepare(
          `INSERT INTO audit_log (actor_type, action, target_type, target_id, project_id, request_id, details) VALUES ('pipeline', 'annotations.bulk', 'analysis', ?, ?, ?, ?)`,
        )
        .bind(id, this.state!.project_id, meta.requestId, JSON.stringify({ mode: body.mode, items: prepared.length })),
      selectByHashes(this.d1, id, prepared.map((p) => p.hash)),
      countStatement(this.d1, id),
    ]
    const results = await this.d1.batch<Record<string, unknown>>(statements)
    const changed = results.slice(body.mode === 'replace' ? 1 : 0, writes.length).reduce((n, r) => n + (r.meta.changes ?? 0), 0)
    // An upsert that rewrites a row counts it as a change too; only the timestamps tell the two apart.
    const updated = results.at(-2)!.results.filter((r) => r.updated_at === now && r.created_at !== now).length
    const created = changed - updated
    const rows = results.at(-2)!.results.map(annotationFromRaw)
    const byHash = new Map(results.at(-2)!.results.map((r, i) => [r.content_hash as string, rows[i]!]))
    const count = Number(results.at(-1)!.results[0]!.n)
    this.save({ ...this.state!, annotation_count: count, updated_at: now })
    // Viewers drop everything on a replace, so they get the whole new set, kept rows included.
    const fresh =
      body.mode === 'replace' ? rows : results.at(-2)!.results.filter((r) => r.created_at === now || r.updated_at === now).map(annotationFromRaw)
    this.broadcastAnnotations(fresh, body.mode === 'replace', count)
    return {
      annotations: prepared.map((p) => byHash.get(p.hash)!).filter(Boolean),
      total: prepared.length,
      created,
      updated,
      duplicates: prepared.length - changed,
    }
  }

  /** After finalize the set is frozen: a byte-identical replay is fine, anything new is refused. */
  private async frozenReplay(body: { annotations: AnnotationInput[]; mode: BulkMode }) {
    const id = this.state!.id
    const prepared = await prepareAnnotations(body.annotations)
    const hashes = [...new Set(prepared.map((p) => p.hash))]
    const [found, count] = await this.d1.batch<Record<string, unknown>>([selectByHashes(this.d1, id, hashes), countStatement(this.d1, id)])
    const stored = found!.results
    const complete = stored.length === hashes.length && (body.mode !== 'replace' || Number(count!.results[0]!.n) === hashes.length)
    if (!complete) {
      throw new AppError(409, 'analysis_finalized', `Analysis is ${this.state!.status}; its annotations can no longer change`, {
        current_status: this.state!.status,
      })
    }
    const byHash = new Map(stored.map((r) => [r.content_hash as string, annotationFromRaw(r)]))
    return { annotations: prepared.map((p) => byHash.get(p.hash)!), total: prepared.length, created: 0, updated: 0, duplicates: prepared.length }
  }

  private broadcastAnnotations(annotations: Annotation[], replace: boolean, count: number) {
    if (replace) this.broadcast('annotations', { annotations: [], replace: true, annotation_count: count })
    for (let i = 0; i < annotations.length; i += ANNOTATION_EVENT_CHUNK) {
      this.broadcast('annotations', { annotations: annotations.slice(i, i + ANNOTATION_EVENT_CHUNK), replace: false, annotation_count: count })
    }
  }

  private broadcast(type: string, body: Record<string, unknown>) {
    const event = this.events.append(type, { ...body, at: new Date().toISOString() })
    const message = JSON.stringify(event.body)
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(message)
      } catch {
        // A socket that is closing will be cleaned up by webSocketClose.
      }
    }
  }

  private snapshotMessage(state: AnalysisState, reset: boolean) {
    return {
      type: 'snapshot',
      seq: this.events.lastSeq(),
      reset,
      analysis: publicAnalysis(state),
      stages: state.stages,
      logs: this.logs.recent(),
    }
  }

  private flushLogFrame() {
    if (this.logFrameTimer) clearTimeout(this.logFrameTimer)
    this.logFrameTimer = undefined
    if (!this.pendingLogFrame.length) return
    const lines = this.pendingLogFrame
    this.pendingLogFrame = []
    this.broadcast('log', { lines })
  }

  /** Moves full chunks (all of them once the run is over) into R2 under ml_outputs/{id}/logs/. */
  private async flushLogChunks(all: boolean) {
    for (const { chunk, lines } of this.logs.pendingChunks(all)) {
      if (!lines.length) continue
      await this.env.BUCKET.put(logChunkKey(this.state!.id, chunk), lines.map((l) => JSON.stringify(l)).join('\n') + '\n', {
        httpMetadata: { contentType: 'application/x-ndjson' },
      })
      this.logs.markFlushed(chunk, lines.length)
    }
  }

  /** One alarm serves every deadline: heartbeat, queue timeout, and a pending progress flush. */
  private async scheduleAlarm() {
    const s = this.state
    if (!s) return
    const config = getConfig(this.env)
    const deadlines: number[] = []
    if (s.status === 'processing') {
      deadlines.push(Date.parse(s.last_callback_at ?? s.started_at ?? s.created_at) + config.ML_HEARTBEAT_TIMEOUT_SECONDS * 1000)
    }
    if (s.status === 'queued') deadlines.push(Date.parse(s.created_at) + config.ML_QUEUE_TIMEOUT_SECONDS * 1000)
    if (s.progress_written_at < 0) deadlines.push(Date.now() + PROGRESS_WRITE_INTERVAL_MS)
    if (!deadlines.length) {
      await this.ctx.storage.deleteAlarm()
      return
    }
    const at = Math.min(...deadlines)
    const current = await this.ctx.storage.getAlarm()
    if (current !== at) await this.ctx.storage.setAlarm(at)
  }
}

const canceledError = () => new AppError(409, 'analysis_canceled', 'Analysis was canceled; stop working on it')

export type { Analysis }
