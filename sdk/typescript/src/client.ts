import { LoupeError, RunCanceled } from './errors'
import { JobRun } from './job-run'
import { MAX_LOG_LINES_PER_REQUEST } from './log-lines'
import { AnalysisRun } from './run'
import type { RunHandle } from './run-handle'
import { serializeBody, signatureHeaders } from './signing'
import { Trace } from './trace'
import { Transport, type Attempt, type Logger, type RawResponse, type RetryMode, type TransportOptions } from './transport'
import type { Analysis, AnalysisCreate, AnalysisCreated, AnalysisWithAnnotations, ClaimedRun, ClaimKind, ClaimRequest, Job, JobCreate, JobDetail, Lease, ReleasedRun } from './types'
import { VERSION } from './version'

/** How requests are retried and timed; documented once, on the transport. */
type RetryOptions = Omit<TransportOptions, 'userAgent' | 'logger'>

export interface LoupeClientOptions extends RetryOptions {
  /** Where Loupe runs, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string
  /**
   * The secret that signs pipeline callbacks when no run credential is known for the analysis:
   * the shared `ML_CALLBACK_HMAC_SECRET`, or a registered pipeline's `mlsec_` secret (with
   * `apiKey`). `null` or absent sends them unsigned, which only a server with
   * `ML_PIPELINE_REQUIRE_HMAC=false` accepts, unless a run credential signs them.
   */
  secret?: string | null
  /** A user's API token, for user endpoints such as `createAnalysis`. */
  token?: string | undefined
  /**
   * A registered pipeline's key (`mlpip_…`), sent as `X-API-Key` on every request instead of a
   * user token (docs/security.md). Analyses it creates come back with a run credential, which
   * then signs that analysis's callbacks.
   */
  apiKey?: string | undefined
  /** Annotations per bulk request (default 5000); lowered automatically if the server reports less. */
  maxBulk?: number
  /** Log lines per request (default 500, at most 1000). */
  logBatchSize?: number
  logFlushIntervalMs?: number
  /** Plain progress updates closer together than this are skipped (default 500). */
  progressIntervalMs?: number
  /** Send an `X-ML-Nonce` with every signed request (default true). */
  nonce?: boolean
  /** Web Crypto; defaults to `globalThis.crypto`. On Node 18 pass `(await import('node:crypto')).webcrypto`. */
  crypto?: Crypto
  logger?: Logger
  /** For tests: what the SDK measures time with. */
  now?: () => number
  /**
   * A W3C `traceparent` all of this client's requests continue (same trace id, a new span each).
   * Without it each run keeps a trace of its own, and any other request starts one.
   */
  traceparent?: string | undefined
}

/** Per call: the trace a request continues, instead of the client's. */
export interface TraceOptions {
  /** A W3C `traceparent`; a malformed one starts a new trace. */
  traceparent?: string | null | undefined
}

export interface FinalizingOptions extends TraceOptions {
  /**
   * Once aborted, the run is no longer this worker's (canceled, its lease lost, given back): when
   * `fn` settles it is neither completed nor failed, and the signal's reason is thrown.
   */
  signal?: AbortSignal | undefined
}

const runPath = (kind: ClaimKind) => (kind === 'analysis' ? '/api/analyses' : '/api/jobs')

const consoleLogger: Logger = {
  debug() {},
  warn: (message) => console.warn(message),
}

/**
 * A client for one Loupe deployment. Every request retries network errors, 429 and 5xx up to
 * `maxRetries` times with exponential backoff and full jitter, honouring `Retry-After`; other 4xx
 * reject at once with a `LoupeError` (an `AnalysisCanceled` for 409 `analysis_canceled`, a
 * `JobCanceled` for 409 `job_canceled`).
 */
export class LoupeClient {
  readonly baseUrl: string
  readonly secret: string | null
  readonly token: string | undefined
  readonly apiKey: string | undefined
  /** Run credentials (`mlcred_…`) by analysis or job id, from creates, deliveries or `useCredential`. */
  private readonly credentials = new Map<string, string>()
  /** Lease tokens of claimed runs, sent as `X-ML-Lease` on their callbacks, which renews the lease. */
  private readonly leases = new Map<string, string>()
  readonly transport: Transport
  readonly logger: Logger
  maxBulk: number
  readonly logBatchSize: number
  readonly logFlushIntervalMs: number
  readonly progressIntervalMs: number
  readonly now: () => number
  private readonly nonce: boolean
  private readonly crypto: Crypto | undefined
  /** The trace every request continues when the client was given `traceparent`. */
  private readonly trace: Trace | undefined

  constructor(options: LoupeClientOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required, e.g. http://127.0.0.1:8787')
    const maxBulk = options.maxBulk ?? 5000
    if (!(maxBulk >= 1)) throw new RangeError('maxBulk must be at least 1')
    const logBatchSize = options.logBatchSize ?? 500
    if (!(logBatchSize >= 1 && logBatchSize <= MAX_LOG_LINES_PER_REQUEST)) {
      throw new RangeError(`logBatchSize must be between 1 and ${MAX_LOG_LINES_PER_REQUEST}`)
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    if (options.apiKey !== undefined && !options.apiKey.startsWith('mlpip_')) throw new TypeError('apiKey must be a pipeline key (mlpip_…)')
    this.secret = options.secret ?? null
    this.token = options.token
    this.apiKey = options.apiKey
    this.maxBulk = maxBulk
    this.logBatchSize = logBatchSize
    this.logFlushIntervalMs = options.logFlushIntervalMs ?? 2000
    this.progressIntervalMs = options.progressIntervalMs ?? 500
    this.nonce = options.nonce ?? true
    this.crypto = options.crypto
    this.trace = options.traceparent ? Trace.continue(options.traceparent, options.crypto) : undefined
    this.logger = options.logger ?? consoleLogger
    const perf = (globalThis as { performance?: { now(): number } }).performance
    this.now = options.now ?? (perf ? () => perf.now() : Date.now)
    // The transport reads only its own settings out of the client's options.
    this.transport = new Transport({
      ...options,
      userAgent: `loupe-typescript/${VERSION}`,
      logger: this.logger,
    })
  }

  // ---- user endpoints (Bearer token) -------------------------------------------------------

  /**
   * `POST /api/images/{imageId}/analyses`; resolves to the queued analysis. With an
   * `external_job_id` the create is idempotent on the server, so it is retried like any call;
   * without one only 429 is retried, since repeating a create whose answer was lost could make a
   * second analysis.
   */
  async createAnalysis(imageId: string, body: AnalysisCreate, options: TraceOptions = {}): Promise<AnalysisCreated> {
    const payload = { image_id: imageId, ...body }
    const retry: RetryMode = body.external_job_id ? 'all' : 'rate_limit'
    const created = await this.userRequest<AnalysisCreated>(
      'POST',
      `/api/images/${encodeURIComponent(imageId)}/analyses`,
      payload,
      retry,
      undefined,
      this.traceFor(options.traceparent),
    )
    if (created.callback?.secret) this.useCredential(created.id, created.callback.secret)
    return created
  }

  /**
   * Signs the callbacks of analysis or job `id` with its run credential (`mlcred_…`) from now on.
   * Creates made with `apiKey` call this themselves; a worker handed a run's credential (a pushed
   * `analysis.created` or `job.runnable` delivery's `callback.secret`) calls it.
   */
  useCredential(id: string, secret: string): void {
    if (!secret.startsWith('mlcred_')) throw new TypeError('a run credential starts with mlcred_')
    this.credentials.set(String(id), secret)
  }

  /** The headers a callback on run `id` carries besides its signature: its lease token, when this client claimed it. */
  runHeaders(id: string): Record<string, string> {
    const lease = this.leases.get(String(id))
    return lease ? { 'X-ML-Lease': lease } : {}
  }

  /** The secret that signs callbacks for run `id`: its run credential, else `secret`. */
  signingSecret(id: string): string | null {
    return this.credentials.get(String(id)) ?? this.secret
  }

  /** `GET /api/analyses/{id}`: the analysis with its annotations. */
  getAnalysis(id: string): Promise<AnalysisWithAnnotations> {
    return this.userRequest('GET', `/api/analyses/${encodeURIComponent(id)}`)
  }

  /** `POST /api/analyses/{id}/cancel` (editor or owner); the pipeline then sees `AnalysisCanceled`. */
  cancelAnalysis(id: string): Promise<Analysis> {
    return this.userRequest('POST', `/api/analyses/${encodeURIComponent(id)}/cancel`)
  }

  /** `POST /api/projects/{projectId}/jobs` (editor or owner): a queued job, with its place in the project's queue. */
  createJob(projectId: string, body: JobCreate, options: TraceOptions = {}): Promise<JobDetail> {
    return this.userRequest('POST', `/api/projects/${encodeURIComponent(projectId)}/jobs`, body, 'rate_limit', undefined, this.traceFor(options.traceparent))
  }

  /** `GET /api/jobs/{id}`: the job with its queue position, dataset, batch and the versions it registered. */
  getJob(id: string): Promise<JobDetail> {
    return this.userRequest('GET', `/api/jobs/${encodeURIComponent(id)}`)
  }

  /** `POST /api/jobs/{id}/cancel` (editor or owner); the pipeline then sees `JobCanceled`. */
  cancelJob(id: string): Promise<Job> {
    return this.userRequest('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`)
  }

  /**
   * `POST /api/pipelines/claim` (a pipeline key, `apiKey`): the next queued analyses and runnable
   * jobs this pipeline serves, which it then holds on a lease. Each run's credential and lease token
   * are kept, so `client.analysis(id)` / `client.job(id)` sign with the one and send the other as
   * `X-ML-Lease`, which renews the lease (and answers 409 `lease_lost` once another claim took the
   * run). An empty list means nothing is waiting.
   * Only 429 is retried: a claim whose answer was lost has still taken the runs. `signal`
   * abandons a long-poll (`wait_seconds`) in flight.
   */
  async claim(request: ClaimRequest = {}, options: { signal?: AbortSignal } = {}): Promise<ClaimedRun[]> {
    this.requireKey()
    const { claimed } = await this.userRequest<{ claimed: ClaimedRun[] }>('POST', '/api/pipelines/claim', request, 'rate_limit', options.signal)
    for (const run of claimed) this.hold(run)
    return claimed
  }

  /**
   * `POST /api/analyses/{id}/claim` or `/api/jobs/{id}/claim`: takes one named run, held like the
   * runs of `claim()`; 409 `already_claimed` when another claim holds it. Only 429 is retried, as for `claim()`.
   */
  async claimRun(kind: ClaimKind, id: string): Promise<ClaimedRun> {
    this.requireKey()
    const run = await this.userRequest<ClaimedRun>('POST', `${runPath(kind)}/${encodeURIComponent(id)}/claim`, {}, 'rate_limit')
    this.hold(run)
    return run
  }

  /**
   * `POST /api/pipelines/claim/renew` with the held token. Callbacks renew the lease too; this is
   * for work that goes quiet for a while. 409 `lease_lost`, `*_canceled` or `*_finalized` when the run is no longer held.
   */
  async renew(kind: ClaimKind, id: string): Promise<Lease> {
    const lease = await this.userRequest<Lease>('POST', '/api/pipelines/claim/renew', { kind, id, token: this.heldToken(id) })
    if (this.leases.has(id)) this.leases.set(id, lease.token)
    return lease
  }

  /**
   * `POST /api/pipelines/claim/release`: gives a held run back, so another worker can claim it at
   * once (a started run goes back to `queued`), and forgets its lease whatever the answer.
   */
  async release(kind: ClaimKind, id: string): Promise<ReleasedRun> {
    try {
      return await this.userRequest<ReleasedRun>('POST', '/api/pipelines/claim/release', { kind, id, token: this.heldToken(id) })
    } finally {
      this.leases.delete(id)
    }
  }

  private hold(run: ClaimedRun): void {
    const secret = (run.data as { callback?: { secret?: string } | null }).callback?.secret
    if (secret) this.useCredential(run.id, secret)
    this.leases.set(run.id, run.lease.token)
  }

  private heldToken(id: string): string {
    const token = this.leases.get(id)
    if (!token) throw new TypeError(`no lease is held for run ${id}: claim it first`)
    return token
  }

  private requireKey(): void {
    if (!this.apiKey) throw new TypeError('claiming work needs a pipeline key (apiKey)')
  }

  // ---- pipeline callbacks (HMAC) -----------------------------------------------------------

  /** A handle for reporting on one analysis; all its callbacks share one trace (`run.traceId`), `traceparent`'s when given. */
  analysis(id: string, options: TraceOptions = {}): AnalysisRun {
    return new AnalysisRun(this, id, this.traceFor(options.traceparent))
  }

  /** A handle for reporting on one job, in one trace like `analysis`. */
  job(id: string, options: TraceOptions = {}): JobRun {
    return new JobRun(this, id, this.traceFor(options.traceparent))
  }

  /**
   * The trace a run or a call belongs to: `traceparent` continued when one is given (a malformed
   * one starts a new trace), else the client's, else a new one.
   */
  traceFor(traceparent?: string | null): Trace {
    if (traceparent) return Trace.continue(traceparent, this.crypto)
    return this.trace ?? Trace.start(this.crypto)
  }

  /**
   * Runs `fn` with a handle on the analysis, then finalizes it: `complete()` when `fn` resolves
   * (unless `fn` finalized it), `fail(error)` when it throws (then rethrows). A cancel is not
   * failed: the analysis is already final and `AnalysisCanceled` propagates.
   */
  withAnalysis<T>(id: string, fn: (run: AnalysisRun) => Promise<T> | T, options: FinalizingOptions = {}): Promise<T> {
    return this.finalizing(this.analysis(id, options), fn, options.signal)
  }

  /** `withAnalysis` for a job: `complete()` when `fn` resolves, `fail(error)` when it throws; a cancel propagates as `JobCanceled`. */
  withJob<T>(id: string, fn: (run: JobRun) => Promise<T> | T, options: FinalizingOptions = {}): Promise<T> {
    return this.finalizing(this.job(id, options), fn, options.signal)
  }

  private async finalizing<H extends RunHandle<{ id: string; status: Analysis['status'] }>, T>(
    run: H,
    fn: (run: H) => Promise<T> | T,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    let result: T
    try {
      result = await fn(run)
    } catch (err) {
      // A run taken away (canceled, its lease lost, given back) is not this worker's to fail.
      if (signal?.aborted) throw signal.reason
      if (!run.canceled && !run.finalized && !(err instanceof RunCanceled)) {
        try {
          await run.fail(err)
        } catch (secondary) {
          this.logger.warn(`loupe: could not mark ${run.kind.noun} ${run.id} failed: ${String(secondary)}`)
        }
      }
      throw err
    }
    if (signal?.aborted) throw signal.reason
    if (run.canceled) return result
    if (run.finalized) await run.close()
    else await run.complete()
    return result
  }

  /**
   * Sends `payload` to a pipeline callback, signed as the guide describes. Every attempt is signed
   * afresh (new timestamp, new nonce), so a retry is never refused as stale or as a replay, and
   * carries a `traceparent` of `trace` with a span of its own.
   */
  async signedRequest<T = unknown>(
    method: string,
    path: string,
    payload: unknown,
    retry: RetryMode = 'all',
    secret: string | null = this.secret,
    extraHeaders: Record<string, string> = {},
    trace: Trace = this.traceFor(),
  ): Promise<T> {
    const body = serializeBody(payload)
    const build = async (): Promise<Attempt> => ({
      body,
      headers: {
        traceparent: trace.traceparent(),
        ...extraHeaders,
        ...this.keyHeader(),
        ...(secret === null
          ? { 'Content-Type': 'application/json' }
          : await signatureHeaders(secret, body, { nonce: this.nonce, ...(this.crypto && { crypto: this.crypto }) })),
      },
    })
    return decode<T>(await this.transport.request(method, this.url(path), build, retry))
  }

  /**
   * Sends a request as the user (`Authorization: Bearer <token>`) or the pipeline (`X-API-Key`), in
   * `trace` (each attempt a span of its own); resolves to the decoded JSON.
   */
  async userRequest<T = unknown>(
    method: string,
    path: string,
    payload?: unknown,
    retry: RetryMode = 'all',
    signal?: AbortSignal,
    trace: Trace = this.traceFor(),
  ): Promise<T> {
    const body = payload === undefined ? undefined : serializeBody(payload)
    const headers: Record<string, string> = this.keyHeader()
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    // The server takes one credential per request: a pipeline key wins over a user token.
    if (this.token && !this.apiKey) headers.Authorization = `Bearer ${this.token}`
    const build = () => ({ body, headers: { ...headers, traceparent: trace.traceparent() } })
    return decode<T>(await this.transport.request(method, this.url(path), build, retry, signal))
  }

  /**
   * A plain PUT (presigned upload URLs: no signature, no token), with the retry policy. One to
   * Loupe itself carries `trace`; object storage gets no `traceparent`, which a bucket's CORS rules
   * may not allow.
   */
  putBytes(url: string, body: Uint8Array | Blob, headers: Record<string, string>, trace: Trace = this.traceFor()): Promise<RawResponse> {
    const target = this.url(url)
    const ours = target.startsWith(`${this.baseUrl}/`)
    return this.transport.request('PUT', target, () => ({ body, headers: { ...(ours && { traceparent: trace.traceparent() }), ...headers } }))
  }

  private keyHeader(): Record<string, string> {
    return this.apiKey ? { 'X-API-Key': this.apiKey } : {}
  }

  /** The absolute URL for an API path; absolute URLs pass through. */
  url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl
    return this.baseUrl + (pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`)
  }
}

function decode<T>(response: RawResponse): T {
  if (!response.text) return undefined as T
  try {
    return JSON.parse(response.text) as T
  } catch (cause) {
    throw new LoupeError({
      status: response.status,
      code: 'bad_response',
      message: `expected JSON, got ${JSON.stringify(response.text.slice(0, 200))}`,
      requestId: response.headers.get('X-Request-Id') ?? undefined,
      cause,
    })
  }
}
