import type { EventLog } from './event-log'
import type { LiveChannel } from './live-channel'

/** Set by the Worker's route once it has checked the caller may read the run. */
export const USER_HEADER = 'X-User-Id'

interface Upgrade {
  live: LiveChannel<never>
  events: EventLog
  /** `analysis_id` for analyses: the `connected` message names the run the way its kind does. */
  idField: string
  id: string
  snapshot: (reset: boolean) => Record<string, unknown>
}

/**
 * Accepts a viewer's socket: `connected`, then either every event after `?since=` or, when those
 * are no longer retained or `since` is not a seq this run has reached, a snapshot.
 */
export function answerUpgrade(request: Request, u: Upgrade): Response {
  const userId = request.headers.get(USER_HEADER)
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket' || !userId) {
    return new Response('Expected a WebSocket upgrade', { status: 426 })
  }
  const sinceParam = new URL(request.url).searchParams.get('since')
  const since = sinceParam !== null && /^\d+$/.test(sinceParam) ? Number(sinceParam) : null
  const { 0: client, 1: server } = new WebSocketPair()
  u.live.accept(server, userId)
  const last = u.events.lastSeq()
  server.send(JSON.stringify({ type: 'connected', [u.idField]: u.id, seq: last }))
  const missed = since === null || since > last ? null : u.events.since(since)
  if (missed) for (const event of missed) server.send(event)
  else server.send(JSON.stringify(u.snapshot(since !== null)))
  return new Response(null, { status: 101, webSocket: client })
}
