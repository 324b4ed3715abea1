import { createApp } from './app'

export { AnalysisObject } from '../durable-objects/analysis-object'

const app = createApp()

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
