import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeListener, RunCanceled, webhookHandler, type LoupeClient } from '@loupe/sdk'
import type { ModelAdapter } from './adapters/adapter'
import { runHandlers, traced } from './run-handlers'

/**
 * `--serve PORT`: a receiver for push deliveries (docs/dispatch.md#push-signed-webhooks-through-cloudflare-queues).
 * Each `analysis.created` and `job.runnable` is verified against the `whsec_` secret, answered
 * 204 at once, then run with the delivery's own callback credential, in the trace of the
 * delivery's `traceparent` (the SDK continues it). Prints `listening on <url>`
 * once the adapter is loaded, and resolves when SIGTERM or SIGINT has closed the server.
 */
export function serve(
  client: LoupeClient,
  adapter: ModelAdapter,
  options: { port: number; host: string; secret: string; delayMs: number; log: (line: string) => void },
): Promise<number> {
  const { log } = options
  const handlers = runHandlers(client, adapter, options)
  // withAnalysis / withJob have already marked a failed run failed; this only says so on stdout.
  const report = (kind: string, run: { id: string; traceId: string }) => (err: unknown) => {
    log(traced(err instanceof RunCanceled ? `canceled ${kind} ${run.id}` : `failed ${kind} ${run.id}: ${(err as Error).message}`, run))
    throw err
  }
  const receive = webhookHandler(client, {
    secret: options.secret,
    analysis: (run, event, signal) => handlers.analysis(run, event.data, signal).catch(report('analysis', run)),
    job: (run, event, signal) => handlers.job(run, event.data, signal).catch(report('job', run)),
    onEvent: (event) => log(`delivered ${event.type}`),
  })
  const server = createServer(nodeListener(receive))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      const { port } = server.address() as AddressInfo
      log(`listening on http://${options.host}:${port}`)
    })
    const stop = () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, stop)
      server.close(() => resolve(0))
      server.closeAllConnections()
    }
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, stop)
  })
}
