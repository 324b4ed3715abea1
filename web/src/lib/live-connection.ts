import { liveUrl } from './api'
import { reconnectDelay } from './backoff'
import type { ConnectionStatus } from './analysis-state'
import type { LiveMessage } from './types'

export interface LiveHandlers {
  onMessage(message: LiveMessage): void
  onStatus(status: ConnectionStatus): void
  /** The last event applied, to resume from after a drop. */
  lastSeq(): number | null
  /** False once the analysis is final and nothing more can arrive. */
  shouldReconnect(): boolean
}

export interface LiveOptions {
  WebSocket?: typeof WebSocket
  delay?: (attempt: number) => number
  /** The Durable Object answers "ping" with "pong" without waking up. */
  pingMs?: number
  url?: (since: number | null) => string
}

/**
 * Follows `GET /api/analyses/{id}/live`: reconnects with backoff after a drop and resumes with
 * `?since=<last seq>`, so the server replays exactly what was missed. Returns a function that stops.
 */
export function connectLive(analysisId: string, handlers: LiveHandlers, options: LiveOptions = {}): () => void {
  const Socket = options.WebSocket ?? WebSocket
  const delay = options.delay ?? reconnectDelay
  const pingMs = options.pingMs ?? 25_000
  const url = options.url ?? ((since: number | null) => liveUrl(analysisId, since))
  let socket: WebSocket | null = null
  let attempt = 0
  let stopped = false
  let retry: ReturnType<typeof setTimeout> | undefined
  let ping: ReturnType<typeof setInterval> | undefined

  const open = () => {
    if (stopped) return
    clearTimeout(retry)
    retry = undefined
    handlers.onStatus(attempt === 0 ? 'connecting' : 'reconnecting')
    const ws = new Socket(url(handlers.lastSeq()))
    socket = ws
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string' || event.data === 'pong') return
      let message: LiveMessage
      try {
        message = JSON.parse(event.data) as LiveMessage
      } catch {
        return
      }
      if (!message || typeof message.type !== 'string') return
      if (message.type === 'connected') attempt = 0
      handlers.onMessage(message)
    }
    ws.onopen = () => {
      clearInterval(ping)
      ping = setInterval(() => ws.readyState === 1 && ws.send('ping'), pingMs)
    }
    ws.onclose = () => {
      clearInterval(ping)
      if (socket !== ws) return
      socket = null
      if (stopped || !handlers.shouldReconnect()) {
        handlers.onStatus('closed')
        return
      }
      handlers.onStatus('reconnecting')
      retry = setTimeout(open, delay(attempt++))
    }
    // An error is always followed by close, which does the bookkeeping.
    ws.onerror = () => {}
  }

  // Coming back online should not wait out a long backoff.
  const onOnline = () => {
    if (!socket && !stopped && retry !== undefined) open()
  }
  globalThis.addEventListener?.('online', onOnline)
  open()

  return () => {
    stopped = true
    clearTimeout(retry)
    clearInterval(ping)
    globalThis.removeEventListener?.('online', onOnline)
    const ws = socket
    socket = null
    if (ws && ws.readyState <= 1) ws.close(1000, 'done')
  }
}
