import { createDb } from '../db/client'
import { getConfig } from '../config'
import { DispatchMessage } from '../schemas/deliveries'
import { continueTrace } from '../observability/propagation'
import { deliver } from './deliver'

/**
 * The DISPATCH queue's consumer: one delivery attempt per message. The retry schedule is Loupe's,
 * not the queue's, so a dead message is sent to the dead-letter queue here, where its last attempt
 * is already logged; the queue's own max_retries and dead_letter_queue only catch crashes.
 */
export async function consumeDispatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = getConfig(env)
  const db = createDb(env.DB)
  for (const msg of batch.messages) {
    const parsed = DispatchMessage.safeParse(msg.body)
    if (!parsed.success) {
      console.error(JSON.stringify({ level: 'error', message: 'malformed dispatch message dropped', id: msg.id, issues: parsed.error.issues }))
      msg.ack()
      continue
    }
    try {
      const verdict = await continueTrace(parsed.data.trace, () => deliver(db, config, parsed.data, msg.attempts))
      if (verdict.action === 'retry') msg.retry({ delaySeconds: verdict.delaySeconds })
      else {
        if (verdict.action === 'dead') await env.DISPATCH_DEAD.send(parsed.data, { contentType: 'json' })
        msg.ack()
      }
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', message: 'dispatch attempt crashed', id: msg.id, error: String(err), stack: (err as Error).stack }))
      msg.retry({ delaySeconds: config.ML_WEBHOOK_RETRY_SCHEDULE[0] ?? 5 })
    }
  }
}
