import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

interface Delivery {
  type: string
  data: { analysis?: { id: string } }
}

/**
 * A pipeline's webhook endpoint on loopback, in the benchmark's own process: it reads the whole
 * body, stamps the arrival on the benchmark's clock, verifies the Standard Webhooks signature with
 * the `standardwebhooks` package, and answers 204 (401 on a bad signature, which the benchmark
 * counts as a failure). Loupe's deliveries and the benchmark's own signed POSTs (the baseline) go
 * through exactly the same code.
 */
export async function startReceiver() {
  let hook: Webhook | null = null
  const waiting = new Map<string, (at: number) => void>()
  const arrived = new Map<string, number>()
  let rejected = 0
  let firstBody: string | null = null

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const at = performance.now()
      const body = Buffer.concat(chunks).toString('utf8')
      let event: Delivery
      try {
        event = hook!.verify(body, req.headers as Record<string, string>) as Delivery
      } catch {
        rejected++
        res.writeHead(401).end()
        return
      }
      const id = event.data.analysis?.id
      if (req.url === '/loupe' && event.type === 'analysis.created' && id) {
        firstBody ??= body
        arrived.set(id, at)
        waiting.get(id)?.(at)
        waiting.delete(id)
      }
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    /** Where Loupe delivers (the pipeline's `webhook_url`). */
    webhookUrl: `${url}/loupe`,
    useSecret(secret: string) {
      hook = new Webhook(secret)
    },
    get rejected() {
      return rejected
    },
    /** When the delivery of analysis `id` arrived (it may already have). */
    arrival(id: string, timeoutMs = 30_000): Promise<number> {
      const at = arrived.get(id)
      if (at !== undefined) return Promise.resolve(at)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delivery of analysis ${id} within ${timeoutMs} ms`)), timeoutMs)
        waiting.set(id, (t) => {
          clearTimeout(timer)
          resolve(t)
        })
      })
    },
    /**
     * The baseline: one POST from this process to the receiver of the body Loupe delivered,
     * signed here the same way, timed from send to the answer's end.
     */
    async directRoundTrip(secret: string): Promise<number> {
      const body = firstBody ?? '{"type":"analysis.created","data":{}}'
      const id = `msg_bench${Math.random().toString(36).slice(2)}`
      const now = new Date()
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, now, body),
      }
      const start = performance.now()
      const res = await fetch(`${url}/direct`, { method: 'POST', headers, body })
      await res.arrayBuffer()
      const elapsed = performance.now() - start
      if (res.status !== 204) throw new Error(`direct POST: ${res.status}`)
      return elapsed
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
