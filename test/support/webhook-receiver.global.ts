import { createServer, type IncomingHttpHeaders } from 'node:http'

/**
 * A real webhook receiver on loopback for the dispatch tests (outbound HTTP is the one thing a
 * test may stand in for). The path picks the behaviour: `/ok/<tag>` answers 200, `/flaky/<tag>`
 * answers 503 to the first two attempts of each webhook-id, `/gone/<tag>` 410, `/down/<tag>` 500,
 * `/slow-retry/<tag>` 429 with `Retry-After: 0`. `GET /_received/<tag>` lists what arrived.
 */
// test/worker/dispatch.test.ts calls this port (within the principals/dispatch range, 8840-8849).
export const RECEIVER_PORT = 8844

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

export default async function setup() {
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
  await new Promise<void>((resolve) => server.listen(RECEIVER_PORT, '127.0.0.1', resolve))
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}
