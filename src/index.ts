import { createApp } from './app'

export { AnalysisObject } from '../durable-objects/analysis-object'
export { EvaluationObject } from '../durable-objects/evaluation-object'

const app = createApp()

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
