import { and, desc, eq } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { deliveries } from '../db/schema'
import { WORK_EVENTS, type DispatchMessage, type RunRef } from '../schemas/deliveries'
import { traceMeta } from '../observability/propagation'
import { endpointFor } from './endpoints'
import { payloadBuilder } from './run-payloads'

const newWebhookId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`

/**
 * A message for the DISPATCH queue: a fresh webhook id, and the trace of whatever sends it (a
 * create, a cancel, a redelivery), which the consumer continues and the delivery sends on as its
 * `traceparent`.
 */
export const dispatchMessage = (m: Omit<DispatchMessage, 'v' | 'webhook_id' | 'trace'>): DispatchMessage => ({ v: 1, webhook_id: newWebhookId(), ...m, trace: traceMeta() })

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
  const builder = payloadBuilder(run)
  const target = await builder.target(db, run.id)
  if (!target) return null
  const endpoint = await endpointFor(db, config, target)
  if (!endpoint) return null
  if (endpoint.pipelineId) await builder.hold?.(db, run.id, endpoint.pipelineId)
  const message = dispatchMessage({ run, event, pipeline_id: endpoint.pipelineId, origin })
  await env.DISPATCH.send(message, { contentType: 'json' })
  return message
}

/**
 * Tells the endpoint that was handed a run about a later event of it (a cancel, so a pushed
 * worker stops). Goes to the same endpoint as the work did, whatever serves the model now; null
 * when the run was never pushed.
 */
export async function dispatchFollowUp(
  env: { DISPATCH: Queue<DispatchMessage> },
  db: Database,
  origin: string,
  run: RunRef,
  event: string,
): Promise<DispatchMessage | null> {
  if (!WORK_EVENTS[run.kind] || event === WORK_EVENTS[run.kind]) return null
  const handed = await db
    .select({ pipelineId: deliveries.pipelineId })
    .from(deliveries)
    .where(and(eq(deliveries.runKind, run.kind), eq(deliveries.runId, run.id), eq(deliveries.event, WORK_EVENTS[run.kind] ?? '')))
    .orderBy(desc(deliveries.attemptedAt))
    .get()
  if (!handed) return null
  // Only what happened: a refused cancel (409) sends nothing.
  if (event === `${run.kind}.canceled` && (await payloadBuilder(run).status(db, run.id)) !== 'canceled') return null
  const message = dispatchMessage({ run, event, pipeline_id: handed.pipelineId, origin })
  await env.DISPATCH.send(message, { contentType: 'json' })
  return message
}
