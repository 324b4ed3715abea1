import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { pipelineGrants, pipelines } from '../db/schema'
import type { DispatchMessage, RunRef } from '../schemas/deliveries'
import type { RunLifecycle } from '../schemas/runs'
import { dispatchFollowUp, dispatchMessage } from './enqueue'

/**
 * A run ended (docs/dispatch.md#lifecycle-events). A canceled run's worker, if the run was pushed
 * to it, is told so it stops; then every endpoint of the run's project that subscribed to
 * `{kind}.{status}` hears of it once: the granted pipelines whose `webhook_events` name it, and
 * ML_WEBHOOK_URL when ML_WEBHOOK_EVENTS does. Resolves to the messages sent.
 */
export async function announceEnd(
  env: { DISPATCH: Queue<DispatchMessage> },
  db: Database,
  config: Config,
  origin: string,
  run: RunRef,
  record: Pick<RunLifecycle, 'project_id' | 'status'>,
): Promise<DispatchMessage[]> {
  if (!config.ML_PIPELINE_PUSH_WEBHOOKS_ENABLED) return []
  const event = `${run.kind}.${record.status}`
  const sent: DispatchMessage[] = []
  const told = record.status === 'canceled' ? await dispatchFollowUp(env, db, origin, run, event) : null
  if (told) sent.push(told)

  const subscribers = await db
    .select({ id: pipelines.id, events: pipelines.webhookEvents })
    .from(pipelines)
    .innerJoin(pipelineGrants, and(eq(pipelineGrants.pipelineId, pipelines.id), eq(pipelineGrants.projectId, record.project_id)))
    .where(and(isNull(pipelines.disabledAt), isNull(pipelines.deletedAt), isNull(pipelines.webhookDisabledAt), isNotNull(pipelines.webhookUrl)))
  const endpoints: (string | null)[] = subscribers.filter((p) => p.events.includes(event)).map((p) => p.id)
  if (config.ML_WEBHOOK_URL && config.ML_WEBHOOK_EVENTS.includes(event)) endpoints.push(null)
  // The worker already told of a cancel does not hear of it twice.
  const notices = endpoints
    .filter((id) => !told || id !== told.pipeline_id)
    .map((pipeline_id) => dispatchMessage({ run, event, pipeline_id, origin }))
  if (notices.length) await env.DISPATCH.sendBatch(notices.map((body) => ({ body, contentType: 'json' as const })))
  return [...sent, ...notices]
}
