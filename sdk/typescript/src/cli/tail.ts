import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { LoupeClient } from '../client'
import { LoupeError } from '../errors'
import type { LiveMessage } from '../types'
import { connectionOptions, requireToken, resolveConnection } from './config'
import { UsageError, type CliIO } from './io'
import { finalStatus, formatLiveMessage, isTerminal } from './live-format'

export const usage = `loupe tail <analysis-id> [--json] [--follow] [--since SEQ]
  Streams the analysis's live events (GET /api/analyses/{id}/live, a WebSocket) as lines, and
  reconnects with ?since=<last seq> if the connection drops. Exits when the analysis is final:
  0 if it completed, 1 if it failed or was canceled (--follow keeps listening). --json prints the
  raw messages. Needs a user token (--token / LOUPE_TOKEN) and Node 22+ (its global WebSocket).`

/** Node 22's WebSocket (undici) takes request headers in a second-argument object; the DOM type does not say so. */
type HeaderWebSocket = new (url: string, init: { headers: Record<string, string> }) => WebSocket

interface Outcome {
  opened: boolean
  code: number
  reason: string
}

const MAX_FAILED_CONNECTS = 8

export async function tail(argv: string[], io: CliIO, wait: (ms: number) => Promise<unknown> = sleep): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...connectionOptions,
      json: { type: 'boolean', default: false },
      follow: { type: 'boolean', default: false },
      since: { type: 'string' },
    },
  })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new UsageError('give one analysis id')
  if (values.since !== undefined && !/^\d+$/.test(values.since)) throw new UsageError('--since must be a sequence number')
  const WS = (globalThis as { WebSocket?: unknown }).WebSocket as HeaderWebSocket | undefined
  if (!WS) throw new Error(`loupe tail needs a global WebSocket: run it on Node 22 or later (this is ${process.version})`)
  const connection = resolveConnection(values, io.env)
  const token = requireToken(connection)
  const client = new LoupeClient({ baseUrl: connection.baseUrl, secret: null, token, maxRetries: 2 })
  const path = `/api/analyses/${encodeURIComponent(id)}/live`

  await preflight(client, path)
  let lastSeq = values.since === undefined ? undefined : Number(values.since)
  let final: string | undefined
  let finalStatusSeen: string | undefined
  let failures = 0
  for (;;) {
    const url = client.url(path).replace(/^http/i, 'ws') + (lastSeq === undefined ? '' : `?since=${lastSeq}`)
    const outcome = await connectOnce(WS, url, token, (message, raw) => {
      io.stdout.write(values.json ? `${raw}\n` : formatLiveMessage(message).map((line) => `${line}\n`).join(''))
      // `connected` carries the latest seq, not the last one we saw: resuming from it would skip events.
      if (message.type !== 'connected') lastSeq = Math.max(lastSeq ?? 0, message.seq)
      if (message.type === 'status' && isTerminal(message.analysis.status)) finalStatusSeen = message.analysis.status
      final = finalStatus(message) ?? final
      return final !== undefined && !values.follow
    })
    // Closed between the final status and `finalized`: nothing more is coming either way.
    final ??= values.follow ? undefined : finalStatusSeen
    if (final !== undefined && !values.follow) return final === 'completed' ? 0 : 1
    failures = outcome.opened ? 0 : failures + 1
    if (failures >= MAX_FAILED_CONNECTS) throw new Error(`could not connect to ${url} after ${failures} attempts`)
    if (!outcome.opened) await preflight(client, path) // a 401 or 404 now is final: say so rather than retry
    const delay = Math.min(10_000, 500 * 2 ** failures)
    const why = `${outcome.code}${outcome.reason ? ` ${outcome.reason}` : ''}`
    io.stderr.write(`connection closed (${why}); reconnecting${lastSeq === undefined ? '' : ` from seq ${lastSeq}`} in ${delay / 1000}s\n`)
    await wait(delay)
  }
}

/** Without an upgrade the route answers 426 to a reader, and 401/404 to anyone else: a cheap access check. */
async function preflight(client: LoupeClient, path: string): Promise<void> {
  try {
    await client.userRequest('GET', path)
  } catch (err) {
    if (err instanceof LoupeError && err.status === 426) return
    throw err
  }
}

function connectOnce(WS: HeaderWebSocket, url: string, token: string, onMessage: (message: LiveMessage, raw: string) => boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WS(url, { headers: { Authorization: `Bearer ${token}` } })
    let opened = false
    let keepAlive: ReturnType<typeof setInterval> | undefined
    ws.addEventListener('open', () => {
      opened = true
      // The server answers `ping` with `pong` without waking the Durable Object; proxies see traffic.
      keepAlive = setInterval(() => ws.send('ping'), 30_000)
    })
    ws.addEventListener('message', (event) => {
      if (typeof event.data !== 'string' || event.data === 'pong') return
      let message: LiveMessage
      try {
        message = JSON.parse(event.data) as LiveMessage
      } catch {
        return
      }
      if (onMessage(message, event.data)) ws.close(1000, 'done')
    })
    ws.addEventListener('error', () => {}) // `close` follows with the code
    ws.addEventListener('close', (event) => {
      clearInterval(keepAlive)
      resolve({ opened, code: event.code, reason: event.reason })
    })
  })
}
