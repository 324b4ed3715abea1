/**
 * Loupe SDK: report an ML pipeline's results to Loupe over HMAC-signed callbacks. Web Crypto and
 * `fetch` only, so it runs on Node 18+, Cloudflare Workers, Deno, Bun and browsers.
 *
 *     const client = new LoupeClient({ baseUrl, secret, token })
 *     await client.withAnalysis(id, async (run) => {
 *       await run.start()
 *       await run.stage('inference', async (progress) => { … await progress(0.5) … })
 *       await run.annotate(boxes)
 *     })
 *
 * Jobs (training, batch inference, …) the same way, with metrics and model versions:
 *
 *     await client.withJob(jobId, async (run) => {
 *       await run.start()
 *       await run.metric('train/loss', 1, 0.41, { epoch: 1 })
 *       await run.registerModelVersion({ version: '2', artifacts: [...] })
 *     })
 *
 * Work handed out by Loupe comes by pull (`runWorker`) or by push (`webhookHandler`).
 */
export { LoupeClient, type FinalizingOptions, type LoupeClientOptions, type TraceOptions } from './client'
export { parseTraceparent, Trace } from './trace'
export { AnalysisCanceled, errorFromResponse, JobCanceled, LoupeError, RunCanceled, RunReleased, type LoupeErrorInit } from './errors'
export { JobRun } from './job-run'
export { runWorker, type RunOutcome, type WorkerOptions, type WorkHandler } from './worker'
export { webhookHandler, type DeliveryHandler, type WebhookContext, type WebhookHandlerOptions, type WebhookReceiver } from './webhook-handler'
export {
  verifyWebhook,
  webhookVerifier,
  WebhookVerificationError,
  type VerifyOptions,
  type WebhookBody,
  type WebhookEvent,
  type WebhookHeaders,
  type WebhookVerifier,
} from './webhooks'
export { nodeListener, type NodeRequestLike, type NodeResponseLike } from './node-listener'
export { normalizeLevel, type LevelLike } from './log-lines'
export type { AnnotateSummary } from './bulk'
export { gridSize, heatmapPng, maskPng, viridis, type Grid, type HeatmapOptions, type MaskOptions } from './png'
export { AnalysisRun, type OnProgress, type RasterUploadOptions, type UploadData } from './run'
export { RunHandle, type RunKind } from './run-handle'
export {
  computeSignature,
  NONCE_HEADER,
  serializeBody,
  SIGNATURE_HEADER,
  signatureHeaders,
  signRequest,
  TIMESTAMP_HEADER,
  type SignedRequest,
  type SignOptions,
} from './signing'
export {
  DEFAULT_STAGE_RANGES,
  SEED_STAGE_RANGES,
  Stage,
  type DefaultStageName,
  type ProgressOptions,
  type SeedStageName,
  type StageOptions,
  type StageProgress,
} from './stage'
export { parseRetryAfter, Transport, type Logger, type RetryMode, type TransportOptions } from './transport'
export * from './types'
export { VERSION } from './version'
