import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, sep } from 'node:path'

export interface ModelFileServer {
  /** Ends with a slash, ready to be Human's `modelBasePath`. */
  url: string
  close(): Promise<void>
}

/**
 * Serves a folder of model files on 127.0.0.1 at a free port. TensorFlow.js loads graph models
 * with `fetch`, and Node's fetch has no `file://`, so the files that npm installed are handed over
 * through loopback HTTP instead of a network download.
 */
export async function serveModelFiles(dir: string): Promise<ModelFileServer> {
  const root = normalize(dir) + sep
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    const path = normalize(join(root, name))
    const file = path.startsWith(root) ? await stat(path).catch(() => null) : null
    if (req.method !== 'GET' || !file?.isFile()) {
      res.writeHead(404).end()
      return
    }
    const type = path.endsWith('.json') ? 'application/json' : 'application/octet-stream'
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': file.size })
    createReadStream(path).pipe(res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        // fetch keeps its sockets alive for seconds, and they would hold the process open that long.
        server.closeAllConnections()
      }),
  }
}
