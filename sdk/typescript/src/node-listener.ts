/** What `nodeListener` uses of node:http's request; described here so the package imports nothing from Node. */
export interface NodeRequestLike extends AsyncIterable<Uint8Array> {
  method?: string | undefined
  url?: string | undefined
  headers: Record<string, string | string[] | undefined>
}

/** What `nodeListener` uses of node:http's response. */
export interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown
  end(body?: Uint8Array): unknown
}

/**
 * Serves a fetch-style handler (`webhookHandler`'s) with node:http:
 *
 *     createServer(nodeListener(handler)).listen(8080)
 *
 * Workers, Bun (`Bun.serve({ fetch: handler })`) and Deno (`Deno.serve(handler)`) take it as it is.
 */
export function nodeListener(handler: (request: Request) => Promise<Response>): (req: NodeRequestLike, res: NodeResponseLike) => void {
  return (req, res) => {
    respond(handler, req, res).catch(() => {
      res.writeHead(500, { 'Content-Type': 'text/plain' })
      res.end(new TextEncoder().encode('internal error'))
    })
  }
}

async function respond(handler: (request: Request) => Promise<Response>, req: NodeRequestLike, res: NodeResponseLike): Promise<void> {
  const chunks: Uint8Array[] = []
  for await (const chunk of req) chunks.push(chunk)
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  chunks.reduce((at, c) => (body.set(c, at), at + c.length), 0)
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) for (const one of [value ?? []].flat()) headers.append(name, one)
  const method = req.method ?? 'GET'
  const url = new URL(req.url ?? '/', `http://${headers.get('host') ?? 'localhost'}`)
  const response = await handler(new Request(url, { method, headers, ...(method !== 'GET' && method !== 'HEAD' && { body }) }))
  const out: Record<string, string> = {}
  response.headers.forEach((value, name) => (out[name] = value))
  res.writeHead(response.status, out)
  res.end(new Uint8Array(await response.arrayBuffer()))
}
