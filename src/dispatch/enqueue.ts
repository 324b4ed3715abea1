import type { Config } from '../config'
import type { Database } from '../db/client'
import type { DispatchMessage, RunRef } from '../schemas/deliveries'
import { endpointFor } from './endpoints'
import { payloadBuilder } from './run-payloads'

export const newWebhookId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`

/**
 * Puts a run on the dispatch queue when push is on and an endpoint serves it (docs/dispatch.md).
 * Resolves to the message sent, or null when nobody takes pushes for it.
 */
export async function dispatchRun(
  env: { DISPATCH: Queue<DispatchMessage> },
  db: Database,
  config: Config,
  origin: string,
  run: RunRef,
  event: string,
): Promise<DispatchMessage | null> {
  if (!config.ML_PIPELINE_PUSH_WEBHOOKS_ENABLED) return null
  const target = await payloadBuilder(run).target(db, run.id)
  if (!target) return null
  const endpoint = await endpointFor(db, config, target.projectId, target.modelName)
  if (!endpoint) return null
  const message: DispatchMessage = { v: 1, webhook_id: newWebhookId(), run, event, pipeline_id: endpoint.pipelineId, origin }
  await env.DISPATCH.send(message, { contentType: 'json' })
  return message
}
