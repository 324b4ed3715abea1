import { createApp } from './app'

export { AnalysisObject } from '../durable-objects/analysis-object'
export { JobObject } from '../durable-objects/job-object'

const app = createApp()

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
