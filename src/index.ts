import { createApp } from './app'
import { scheduled } from './scheduled'

export { AnalysisObject } from '../durable-objects/analysis-object'

const app = createApp()

export default {
  fetch: app.fetch,
  scheduled,
} satisfies ExportedHandler<Env>
