import { traceHeaders } from '../observability/propagation'
import { eq } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { deliveries, pipelines } from '../db/schema'
import { DELIVERY_OUTCOMES, WORK_EVENTS, type DispatchMessage } from '../schemas/deliveries'
import { resolveEndpoint } from './endpoints'
import { retryAfterSeconds, retryDelaySeconds } from './retry-schedule'
import { payloadBuilder } from './run-payloads'
import { webhookHeaders } from './standard-webhooks'
import { webhookUrlProblem } from './webhook-url'

const EXCERPT_CHARS = 1000

/** What the queue should do with the message after this attempt. */
export type DeliveryVerdict = { action: 'ack' } | { action: 'retry'; delaySeconds: number } | { action: 'dead' }

interface Attempt {
  outcome: (typeof DELIVERY_OUTCOMES)[number]
  status: number | null
  latencyMs: number | null
  excerpt: string | null
  error: string | null
  retryAfter?: number | undefined
}

/**
 * One delivery attempt (docs/dispatch.md): resolve the endpoint and the payload now, sign with
 * every active secret, POST with a timeout and without following redirects, log the attempt.
 * 2xx acks; 410 disables the pipeline's webhook and acks; anything else retries on the schedule,
 * and after its last step the message is dead.
 */
export async function deliver(db: Database, config: Config, message: DispatchMessage, attempt: number): Promise<DeliveryVerdict> {
  const endpoint = await resolveEndpoint(db, config, message.pipeline_id)
  const data = await payloadBuilder(message.run).data(db, config, message.origin, message.run.id)
  // Only the delivery that hands the work over carries its credential: a follow-up, a subscriber's
  // notice or a redelivery of either tells how the run stands, and nobody else may call back on it.
  if (data && message.event !== WORK_EVENTS[message.run.kind]) delete data.callback
  // Nobody left to deliver to, or nothing left to deliver: not a failure of the endpoint.
  if (!endpoint || !data) return { action: 'ack' }
  let result: Attempt
  const problem = webhookUrlProblem(endpoint.url, config.ML_WEBHOOK_ALLOW_LOOPBACK)
  if (problem) result = { outcome: 'failed', status: null, latencyMs: null, excerpt: null, error: `webhook URL refused: ${problem}` }
  else if (!endpoint.secrets.length) result = { outcome: 'failed', status: null, latencyMs: null, excerpt: null, error: 'the pipeline has no active webhook secret' }
  else result = await post(endpoint.url, endpoint.secrets, message, data, config.ML_WEBHOOK_TIMEOUT_SECONDS)

  let verdict: DeliveryVerdict = { action: 'ack' }
  let nextAttemptAt: string | null = null
  if (result.outcome === 'failed') {
    const delay = retryDelaySeconds(attempt, config.ML_WEBHOOK_RETRY_SCHEDULE, result.retryAfter)
    if (delay === null) {
      verdict = { action: 'dead' }
      result.outcome = 'dead'
    } else {
      verdict = { action: 'retry', delaySeconds: delay }
      nextAttemptAt = new Date(Date.now() + delay * 1000).toISOString()
    }
  }
  const row = db.insert(deliveries).values({
    id: crypto.randomUUID(),
    webhookId: message.webhook_id,
    runKind: message.run.kind,
    runId: message.run.id,
    event: message.event,
    pipelineId: endpoint.pipelineId,
    endpointUrl: endpoint.url,
    attempt,
    outcome: result.outcome,
    responseStatus: result.status,
    latencyMs: result.latencyMs,
    responseExcerpt: result.excerpt,
    error: result.error,
    nextAttemptAt,
  })
  if (result.outcome === 'gone' && endpoint.pipelineId) {
    await db.batch([row, db.update(pipelines).set({ webhookDisabledAt: new Date().toISOString() }).where(eq(pipelines.id, endpoint.pipelineId))])
  } else await row
  return verdict
}

async function post(url: string, secrets: string[], message: DispatchMessage, data: Record<string, unknown>, timeoutSeconds: number): Promise<Attempt> {
  const body = JSON.stringify({ type: message.event, timestamp: new Date().toISOString(), data })
  const started = Date.now()
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...traceHeaders(), ...(await webhookHeaders(secrets, message.webhook_id, body)) },
      body,
      // A redirect could point a signed payload anywhere; it counts as a failure.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    })
    const excerpt = (await res.text().catch(() => '')).slice(0, EXCERPT_CHARS) || null
    const latencyMs = Date.now() - started
    const outcome = res.status >= 200 && res.status < 300 ? 'delivered' : res.status === 410 ? 'gone' : 'failed'
    return { outcome, status: res.status, latencyMs, excerpt, error: null, retryAfter: retryAfterSeconds(res.headers.get('Retry-After')) }
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError'
    return { outcome: 'failed', status: null, latencyMs: Date.now() - started, excerpt: null, error: timedOut ? `timed out after ${timeoutSeconds}s` : String(err) }
  }
}
