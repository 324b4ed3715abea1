/**
 * A model server for the http adapter: the `/infer` interface (README "Model adapters") in front of the Human adapter:
 *
 *   POST /infer   multipart/form-data, field `input_file` (PNG or JPEG)
 *                 → 200 {"success": true, "output": {…}} (see wire.ts)
 *                 → 400 / 500 {"success": false, "error": "…"}
 *   GET  /health  → {"ok": true, "models": {…}}
 *
 * `npm run model-server -- [--port 5000] [--host 127.0.0.1]`; prints `listening on <url>` once the
 * models are loaded, so a script can wait for that line.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { HumanAdapter } from './adapters/human'
import { decodeImage } from './image'
import { toWire } from './wire'

/** Refuses uploads larger than any photo needs, before reading them into memory. */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024

class BadRequest extends Error {}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '5000' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
  },
})

const adapter = await HumanAdapter.create()
// One model instance on a small CPU: requests take turns instead of fighting over it.
let queue: Promise<unknown> = Promise.resolve()
const serially = <T>(fn: () => Promise<T>): Promise<T> => {
  const next = queue.then(fn, fn)
  queue = next.catch(() => {})
  return next
}

async function infer(req: IncomingMessage) {
  if (Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD_BYTES) throw new BadRequest(`the upload is larger than ${MAX_UPLOAD_BYTES} bytes`)
  const request = new Request('http://model-server/infer', {
    method: 'POST',
    headers: { 'Content-Type': req.headers['content-type'] ?? '' },
    body: Readable.toWeb(req) as ReadableStream,
    duplex: 'half',
  } as RequestInit)
  const form = await request.formData().catch(() => {
    throw new BadRequest('expected multipart/form-data with a file field "input_file"')
  })
  const file = form.get('input_file')
  if (!(file instanceof File)) throw new BadRequest('the multipart field "input_file" is required')
  const bytes = new Uint8Array(await file.arrayBuffer())
  let image
  try {
    image = decodeImage(bytes)
  } catch (err) {
    throw new BadRequest((err as Error).message)
  }
  const input = { image, bytes, filename: file.name, contentType: file.type }
  const output = await serially(() => adapter.infer(input, { progress: () => {}, log: (level, message) => console.error(`${level}: ${message}`) }))
  return toWire(output)
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://model-server').pathname
  try {
    if (req.method === 'GET' && path === '/health') return reply(res, 200, { ok: true, ...adapter.provenance })
    if (req.method === 'POST' && path === '/infer') return reply(res, 200, { success: true, output: await infer(req) })
    reply(res, 404, { success: false, error: `no route ${req.method} ${path}` })
  } catch (err) {
    const status = err instanceof BadRequest ? 400 : 500
    if (status === 500) console.error(err)
    reply(res, status, { success: false, error: (err as Error).message })
  }
})

server.listen(Number(values.port), values.host, () => {
  const { port } = server.address() as AddressInfo
  console.log(`listening on http://${values.host}:${port}`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close()
    void adapter.close().then(() => process.exit(0))
  })
}
