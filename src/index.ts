import { createApp } from './app'
import { consumeDispatch } from './dispatch/consumer'
import { scheduled } from './scheduled'

export { AnalysisObject } from '../durable-objects/analysis-object'
export { NonceObject } from '../durable-objects/nonce-object'
export { RateLimiterObject } from '../durable-objects/rate-limiter'
export { JobObject } from '../durable-objects/job-object'
export { EvaluationObject } from '../durable-objects/evaluation-object'

const app = createApp()

export default {
  fetch: app.fetch,
  scheduled,
  queue: consumeDispatch,
} satisfies ExportedHandler<Env>
