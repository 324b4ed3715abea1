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
 */
export { LoupeClient, type LoupeClientOptions } from './client'
export { AnalysisCanceled, errorFromResponse, LoupeError, type LoupeErrorInit } from './errors'
export { normalizeLevel, type LevelLike } from './log-lines'
export type { AnnotateSummary } from './bulk'
export { gridSize, heatmapPng, maskPng, viridis, type Grid, type HeatmapOptions, type MaskOptions } from './png'
export { AnalysisRun, type OnProgress, type RasterUploadOptions, type UploadData } from './run'
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
