import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

/**
 * A real webhook receiver on loopback for the dispatch tests (outbound HTTP is the one thing a
 * test may stand in for). The path picks the behaviour: `/ok/<tag>` answers 200, `/flaky/<tag>`
 * answers 503 to the first two attempts of each webhook-id, `/gone/<tag>` 410, `/down/<tag>` 500,
 * `/slow-retry/<tag>` 429 with `Retry-After: 0`. `GET /_received/<tag>` lists what arrived.
 */
interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

// The port is the system's choice, handed to the tests as `inject('webhookReceiver')`, so two test
// runs on one machine (or a test run beside `npm run dev`) never contend for it.
export default async function setup(project: TestProject) {
  const received = new Map<string, Received[]>()
  const attempts = new Map<string, number>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const [, behaviour = '', tag = ''] = (req.url ?? '/').split('/')
      if (req.method === 'GET' && behaviour === '_received') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(received.get(tag) ?? []))
        return
      }
      const list = received.get(tag) ?? []
      list.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      received.set(tag, list)
      const id = String(req.headers['webhook-id'])
      const n = (attempts.get(id) ?? 0) + 1
      attempts.set(id, n)
      const answer: Record<string, [number, Record<string, string>?]> = {
        ok: [200],
        flaky: n <= 2 ? [503] : [204],
        gone: [410],
        down: [500],
        'slow-retry': n <= 1 ? [429, { 'Retry-After': '0' }] : [200],
        redirect: [302, { Location: 'http://127.0.0.1:1/elsewhere' }],
      }
      const [status, headers] = answer[behaviour] ?? [404]
      res.writeHead(status, { 'content-type': 'text/plain', ...headers })
      res.end(`receiver answered ${status}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project.provide('webhookReceiver', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}
