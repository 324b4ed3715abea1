import type { LoupeClient } from './client'
import { isRecord, LoupeError, RunCanceled } from './errors'
import { LogBuffer } from './log-buffer'
import {
  clip,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_LOG_MESSAGE_CHARS,
  MAX_PROGRESS_MESSAGE_CHARS,
  MAX_STAGE_CHARS,
  normalizeLevel,
  type LevelLike,
} from './log-lines'
import type { Trace } from './trace'
import { checkFraction, Stage, stageRange, type ProgressOptions, type StageOptions, type StageProgress } from './stage'
import { ARTIFACT_CONTENT_TYPES, type ArtifactType, type LogLine, type PresignResponse } from './types'

/** Called as work goes out: bytes for uploads, annotations for `annotate`. */
export type OnProgress = (done: number, total: number) => void

export type UploadData = Uint8Array | ArrayBuffer | Blob | string

/** What the handle reports on: where that kind of run takes its callbacks, and what it is called. */
export interface RunKind {
  /** `/api/analyses` or `/api/jobs`. */
  path: string
  noun: string
}

/** What every run's record has, whatever its kind. */
interface RunRecord {
  id: string
  status: 'queued' | 'processing' | 'completed' | 'failed' | 'canceled'
}

/**
 * Reports on one run, an analysis or a job, through the callbacks both kinds share: status,
 * progress, stages, logs, artifacts and finalize. `AnalysisRun` and `JobRun` add their own.
 */
export class RunHandle<R extends RunRecord> {
  readonly id: string
  /** The latest record the server returned. */
  protected latest: R | undefined
  finalized = false
  canceled = false
  readonly stages: Stage<R>[] = []
  private current: Stage<R> | undefined
  private cursor = 0
  private readonly logs: LogBuffer
  private lastProgressAt: number | undefined
  private lastProgressStage: string | undefined
  private cancellation: RunCanceled | undefined

  /** The trace all of this run's requests belong to, each with a span of its own. */
  readonly trace: Trace

  constructor(
    protected readonly client: LoupeClient,
    id: string,
    readonly kind: RunKind,
    trace?: Trace,
  ) {
    this.id = String(id)
    this.trace = trace ?? client.traceFor()
    this.logs = new LogBuffer({
      batchSize: client.logBatchSize,
      intervalMs: client.logFlushIntervalMs,
      now: () => client.now(),
      send: (lines) => this.call('POST', 'logs', { lines }),
      closed: () => this.canceled,
      // A cancel is kept by call() and raised by the next call; anything else costs only log lines.
      onError: (err) => {
        if (!(err instanceof RunCanceled)) this.dropped(err)
      },
    })
  }

  /** This run's W3C trace id, the one Loupe's log lines for its callbacks carry: log it to join them. */
  get traceId(): string {
    return this.trace.traceId
  }

  /** The last status the server reported, if any call has returned the record. */
  get status(): R['status'] | undefined {
    return this.latest?.status
  }

  // ---- status and progress ----------------------------------------------------------------

  /** `PATCH …/{id}/status` to `processing` (a no-op if it already is). */
  async start(message?: string): Promise<R> {
    await this.settle()
    const payload: Record<string, unknown> = { status: 'processing' }
    if (message !== undefined) payload.message = clip(message, MAX_PROGRESS_MESSAGE_CHARS)
    return this.call<R>('PATCH', 'status', payload)
  }

  /**
   * `POST …/{id}/progress`. Inside `run.stage(name, …)` (with `stage` omitted or equal
   * to that name), `fraction` is the fraction of that stage, mapped into its share of the whole;
   * otherwise it is the overall fraction. Plain updates (same stage, no message) closer together
   * than `progressIntervalMs` are skipped and resolve to undefined, so a tight loop is cheap.
   */
  async progress(fraction: number, stage?: string, message?: string, options: ProgressOptions = {}): Promise<R | undefined> {
    const current = this.current
    if (current && (stage === undefined || stage === current.name)) {
      return this.report(current.overall(fraction), current.name, message, options.force ?? false)
    }
    const overall = checkFraction(fraction)
    if (!current) this.cursor = Math.max(this.cursor, overall)
    return this.report(overall, stage, message, options.force ?? false)
  }

  private async report(overall: number, stage: string | undefined, message: string | undefined, force: boolean): Promise<R | undefined> {
    await this.settle()
    const now = this.client.now()
    const tooSoon =
      this.lastProgressAt !== undefined && stage === this.lastProgressStage && now - this.lastProgressAt < this.client.progressIntervalMs
    if (!force && message === undefined && tooSoon) return undefined
    return this.sendProgress(overall, stage, message)
  }

  private async sendProgress(overall: number | undefined, stage: string | undefined, message: string | undefined): Promise<R> {
    const payload: Record<string, unknown> = {}
    if (overall !== undefined) payload.progress = Math.round(overall * 1e6) / 1e6
    if (stage !== undefined) payload.stage = clip(stage, MAX_STAGE_CHARS)
    if (message !== undefined) payload.message = clip(message, MAX_PROGRESS_MESSAGE_CHARS)
    const result = await this.call<R>('POST', 'progress', payload)
    this.lastProgressAt = this.client.now()
    this.lastProgressStage = stage
    return result
  }

  // ---- stages ------------------------------------------------------------------------------

  /**
   * Runs `fn` as a stage: reports the stage at the start of its range, then at the end when `fn`
   * resolves, and logs its duration. `fn` gets a `progress(fraction)` that maps 0..1 into the
   * stage's range (`run.progress` inside the stage maps too). The range is `span`, else `weight`
   * from where the last stage ended, else the standard range for the name (preprocess 10–15 %,
   * inference 15–65 %, postprocess 65–75 %, stitch 75–85 %, thumbnails 85–95 %, finalization
   * 95–100 %; docs/ML_PIPELINE_INTEGRATION.md, "Progress, stages and logs"), else empty. If `fn` throws, the failure is logged and reported against the stage
   * and the error propagates (finalizing is the run's decision). Stages do not nest.
   */
  async stage<T>(name: string, fn: (progress: StageProgress<R>, stage: Stage<R>) => Promise<T> | T, options: StageOptions = {}): Promise<T> {
    if (!name?.trim()) throw new TypeError('a stage needs a name')
    const [start, end] = stageRange(name, options, this.cursor)
    const stage = new Stage<R>(name, start, end, {
      report: (overall, stageName, message, force) => this.report(overall, stageName, message, force),
      log: (level, message, stageName) => this.log(level as LevelLike, message, stageName),
      now: () => this.client.now(),
    })
    await this.enterStage(stage)
    let result: T
    try {
      result = await fn((fraction, message, opts) => stage.progress(fraction, message, opts), stage)
    } catch (err) {
      await this.exitStageWithError(stage, err)
      throw err
    }
    await this.exitStage(stage)
    return result
  }

  private async enterStage(stage: Stage<R>): Promise<void> {
    if (this.current) throw new Error(`stage "${stage.name}" started inside stage "${this.current.name}"; stages do not nest`)
    if (this.finalized) throw new Error(`${this.kind.noun} ${this.id} is already finalized`)
    await this.settle()
    this.current = stage
    stage.startedAt = this.client.now()
    this.stages.push(stage)
    try {
      this.log('info', 'Stage started', stage.name)
      await this.sendProgress(stage.start, stage.name, `${stage.name} started`)
    } catch (err) {
      this.current = undefined
      throw err
    }
  }

  private async exitStage(stage: Stage<R>): Promise<void> {
    stage.endedAt = this.client.now()
    this.current = undefined
    this.cursor = Math.max(this.cursor, stage.end)
    await this.settle()
    this.log('info', `Stage completed in ${seconds(stage.durationMs)}s`, stage.name)
    await this.sendProgress(stage.end, stage.name, `${stage.name} completed`)
  }

  private async exitStageWithError(stage: Stage<R>, err: unknown): Promise<void> {
    stage.endedAt = this.client.now()
    this.current = undefined
    stage.error = err
    if (this.canceled || err instanceof RunCanceled) return
    const text = errorText(err)
    const kind = err instanceof Error ? err.name : typeof err
    try {
      this.log('error', `Stage failed after ${seconds(stage.durationMs)}s: ${kind}: ${text}`, stage.name)
      await this.flush()
      await this.sendProgress(undefined, stage.name, `${stage.name} failed: ${text}`)
    } catch (secondary) {
      // The original error matters more than the report about it.
      this.client.logger.warn(`loupe: could not report the failure of stage "${stage.name}": ${String(secondary)}`)
    }
  }

  // ---- logs --------------------------------------------------------------------------------

  /**
   * Buffers a log line; lines go to `POST …/{id}/logs` in batches: when
   * `logBatchSize` lines are waiting, at the first call after `logFlushIntervalMs`, and on
   * `complete()`, `fail()`, `close()` and `flush()`. Inside a stage, lines are tagged with it.
   * Delivery is best effort (only `flush()` rejects), but once the run is canceled this throws
   * `AnalysisCanceled` (or `JobCanceled`), so a loop that only logs stops too.
   */
  log(level: LevelLike, message: string, stage?: string): void {
    if (this.cancellation) throw this.cancellation
    const tag = stage ?? this.current?.name
    const line: LogLine = { ts: new Date().toISOString(), level: normalizeLevel(level), message: clip(String(message), MAX_LOG_MESSAGE_CHARS) }
    if (tag !== undefined) line.stage = clip(tag, MAX_STAGE_CHARS)
    this.logs.push(line)
  }

  debug(message: string): void {
    this.log('debug', message)
  }

  info(message: string): void {
    this.log('info', message)
  }

  warning(message: string): void {
    this.log('warning', message)
  }

  error(message: string): void {
    this.log('error', message)
  }

  /** Sends every buffered log line now; resolves to how many were sent. Rejects on failure. */
  flush(): Promise<number> {
    return this.logs.flush()
  }

  /** Flushes buffered logs (best effort). Does not finalize. */
  async close(): Promise<void> {
    if (this.canceled) return
    await this.flushQuietly()
  }

  private dropped(err: unknown): void {
    this.client.logger.warn(`loupe: dropped log lines for ${this.kind.noun} ${this.id}: ${String(err)}`)
  }

  private async flushQuietly(): Promise<void> {
    try {
      await this.flush()
    } catch (err) {
      if (err instanceof RunCanceled || !(err instanceof LoupeError)) throw err
      this.dropped(err)
    }
  }

  /** Before each call: wait for background log flushes, raise a cancel they saw, send logs that are due. */
  protected async settle(): Promise<void> {
    await this.logs.idle()
    if (this.cancellation) throw this.cancellation
    if (this.logs.due()) await this.flushQuietly()
  }

  // ---- artifacts ---------------------------------------------------------------------------

  /**
   * Uploads an artifact and resolves to its `storage_path` (for an annotation's `storage_path`):
   * `POST …/{id}/artifacts/presign`, then `PUT` the bytes to the returned `upload_url`
   * with the returned headers (no signature: the URL authenticates itself).
   */
  async upload(
    type: ArtifactType,
    filename: string,
    data: UploadData,
    contentType?: string,
    options: { onProgress?: OnProgress } = {},
  ): Promise<string> {
    await this.settle()
    const body = typeof data === 'string' ? new TextEncoder().encode(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data
    const size = body instanceof Uint8Array ? body.byteLength : body.size
    const payload: Record<string, unknown> = { artifact_type: type, filename, content_length: size }
    if (contentType !== undefined) payload.content_type = contentType
    const presign = await this.call<PresignResponse>('POST', 'artifacts/presign', payload)
    if (!isRecord(presign) || typeof presign.upload_url !== 'string' || typeof presign.storage_path !== 'string') {
      throw new LoupeError({ status: null, code: 'bad_response', message: `presign answered without upload_url/storage_path: ${JSON.stringify(presign)}` })
    }
    const headers: Record<string, string> = { ...(presign.headers ?? {}) }
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = contentType ?? (ARTIFACT_CONTENT_TYPES as Partial<Record<string, string>>)[type] ?? 'application/octet-stream'
    }
    options.onProgress?.(0, size)
    await this.client.putBytes(presign.upload_url, body, headers, this.trace)
    options.onProgress?.(size, size)
    return presign.storage_path
  }

  // ---- finalize ----------------------------------------------------------------------------

  /** Flushes logs, then `POST …/{id}/finalize` with `{"status": "completed"}`. */
  async complete(): Promise<R> {
    await this.drain()
    const result = await this.call<R>('POST', 'finalize', { status: 'completed' })
    this.finalized = true
    return result
  }

  /** Flushes logs, then finalizes as `failed` with the error's message. */
  async fail(error: unknown): Promise<R> {
    await this.drain()
    const message = clip(errorText(error) || 'failed', MAX_ERROR_MESSAGE_CHARS)
    const result = await this.call<R>('POST', 'finalize', { status: 'failed', error_message: message })
    this.finalized = true
    return result
  }

  private async drain(): Promise<void> {
    await this.logs.idle()
    if (this.cancellation) throw this.cancellation
    await this.flushQuietly()
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /** A signed callback on this run, with its run credential when the client holds one; a cancel is kept and raised from then on. */
  protected async call<T>(method: string, suffix: string, payload: unknown): Promise<T> {
    let result: T
    try {
      result = await this.client.signedRequest<T>(
        method,
        `${this.kind.path}/${encodeURIComponent(this.id)}/${suffix}`,
        payload,
        'all',
        this.client.signingSecret(this.id),
        this.client.runHeaders(this.id),
        this.trace,
      )
    } catch (err) {
      if (err instanceof RunCanceled) {
        this.canceled = true
        this.finalized = true
        this.cancellation = err
      }
      throw err
    }
    if (isRecord(result) && result.id === this.id && 'status' in result) this.latest = result as unknown as R
    return result
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(2)
