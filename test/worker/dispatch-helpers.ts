import { env } from 'cloudflare:workers'
import { expect, inject } from 'vitest'
import { api, type TestUser } from './helpers'

/** The loopback webhook receiver (test/support/webhook-receiver.global.ts) every dispatch test delivers to. */
export const RECEIVER = inject('webhookReceiver')

export interface Received {
  path: string
  headers: Record<string, string>
  body: string
}

export interface DeliveryRow {
  id: string
  webhook_id: string
  event: string
  attempt: number
  outcome: string
  response_status: number | null
  latency_ms: number | null
  response_excerpt: string | null
  error: string | null
  pipeline_id: string | null
}

/** Polls `read` until `done` holds: deliveries go through a real queue and arrive when they do. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** What the receiver got under `tag`, in order. */
export const received = (tag: string) => fetch(`${RECEIVER}/_received/${tag}`).then((r) => r.json<Received[]>())

/** Every logged attempt for a run, in order. */
export const deliveryRows = (runId: string) =>
  env.DB.prepare('SELECT * FROM deliveries WHERE run_id = ? ORDER BY attempt, created_at').bind(runId).all<DeliveryRow>().then((r) => r.results)

/** A `whsec_` secret for the pipeline's webhook, shown once. */
export async function webhookSecret(owner: TestUser, pipelineId: string) {
  const res = await api(`/api/pipelines/${pipelineId}/secrets`, { method: 'POST', token: owner.token, json: { purpose: 'webhook' } })
  expect(res.status).toBe(201)
  return (await res.json<{ secret: string }>()).secret
}
