import type { BenchServer } from '../../bench/dev-server'

/**
 * The user API of a test's `wrangler dev`, as the e2e suites call it: the server's user token
 * unless other headers are given, JSON or a FormData body, and any non-2xx thrown with its body.
 * `server` is read at each call, since suites start their server in `beforeAll`.
 */
export function serverApi(server: () => BenchServer) {
  return async function api<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = { Authorization: `Bearer ${server().token}` }): Promise<T> {
    const init: RequestInit = { method, headers }
    if (body instanceof FormData) init.body = body
    else if (body !== undefined) {
      init.body = JSON.stringify(body)
      init.headers = { ...headers, 'Content-Type': 'application/json' }
    }
    const res = await fetch(server().baseUrl + path, init)
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return (res.headers.get('content-type')?.includes('json') ? res.json() : res.text()) as Promise<T>
  }
}
