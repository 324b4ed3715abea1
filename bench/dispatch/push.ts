import type { BenchServer } from '../dev-server'
import { startReceiver } from './receiver'
import { analysisFactory, registerPipeline, userApi } from './world'

const MODEL = 'bench-push'

export interface PushTimes {
  /** Create response read → signed delivery at the receiver, one create in flight at a time. */
  alone: number[]
  /** The same from the create request sent. */
  aloneFromSend: number[]
  /** Create response → delivery when `burst` creates go out at once. */
  burst: number[]
  /** Loupe's own POST to the receiver, from the delivery log (`latency_ms`), for the lone creates. */
  loggedPost: number[]
  /** The baseline: a signed POST from this process to the same receiver, send → answer. */
  direct: number[]
  rejected: number
}

/**
 * Push dispatch latency: a person's create → the pipeline's endpoint has the verified delivery.
 * The pipeline serving the model has a loopback `webhook_url` (ML_WEBHOOK_ALLOW_LOOPBACK) on a
 * receiver in this process, so both ends are stamped on one clock. Each round does one direct
 * POST (the baseline) and one create, then waits for its delivery; then `count` more creates go
 * out in bursts of `burst`, which is how a queue consumer that batches sees them.
 */
export async function measurePush(s: BenchServer, base: string, { count, burst, warmup }: { count: number; burst: number; warmup: number }): Promise<PushTimes> {
  const receiver = await startReceiver()
  try {
    const factory = await analysisFactory(s, base, MODEL)
    const pipeline = await registerPipeline(s, base, factory.projectId, MODEL, { keys: 0, webhookUrl: receiver.webhookUrl })
    const { secret } = await userApi<{ secret: string }>(s, base, 'POST', `/api/pipelines/${pipeline.id}/secrets`, { purpose: 'webhook' })
    receiver.useSecret(secret)
    await factory.reserve(warmup + 2 * count)

    const times: PushTimes = { alone: [], aloneFromSend: [], burst: [], loggedPost: [], direct: [], rejected: 0 }
    const lone: string[] = []
    for (let round = 0; round < warmup + count; round++) {
      const direct = await receiver.directRoundTrip(secret)
      const created = await factory.create()
      const at = await receiver.arrival(created.id).catch(async (err: Error) => {
        const log = await userApi(s, base, 'GET', `/api/analyses/${created.id}/deliveries`)
        throw new Error(`${err.message} (round ${round}); its delivery log: ${JSON.stringify(log)}`)
      })
      if (round < warmup) continue
      times.direct.push(direct)
      times.alone.push(at - created.answeredAt)
      times.aloneFromSend.push(at - created.sentAt)
      lone.push(created.id)
    }
    for (let done = 0; done < count; done += burst) {
      const created = await Promise.all(Array.from({ length: Math.min(burst, count - done) }, () => factory.create()))
      const arrivals = await Promise.all(created.map((c) => receiver.arrival(c.id)))
      created.forEach((c, i) => times.burst.push(arrivals[i]! - c.answeredAt))
    }
    for (const id of lone) {
      const { deliveries } = await userApi<{ deliveries: { outcome: string; latency_ms: number | null }[] }>(s, base, 'GET', `/api/analyses/${id}/deliveries`)
      const ok = deliveries.find((d) => d.outcome === 'delivered')
      if (ok?.latency_ms != null) times.loggedPost.push(ok.latency_ms)
    }
    times.rejected = receiver.rejected
    return times
  } finally {
    await receiver.close()
  }
}
