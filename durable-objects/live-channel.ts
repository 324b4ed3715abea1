import { log } from '../src/observability/log'
import type { LogLine } from '../src/schemas/events'
import type { EventLog } from './event-log'
import { LOG_CHUNK_LINES } from './log-store'

/** Log bursts go out as one frame per this many milliseconds. */
const LOG_FRAME_MS = 75

/**
 * The hibernatable WebSockets watching one run. Each socket is tagged with its user, so a member
 * removed from the project can be disconnected without waking or scanning every socket. Events get
 * their `seq` from the event log before they are sent, so a client can resume exactly.
 */
export class LiveChannel<Bodies extends { log: { lines: LogLine[] } }> {
  private pendingLines: LogLine[] = []
  private frameTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly events: EventLog,
  ) {}

  accept(server: WebSocket, userId: string): void {
    this.ctx.acceptWebSocket(server, [userTag(userId)])
  }

  broadcast<T extends keyof Bodies & string>(type: T, body: Bodies[T]): void {
    const message = this.events.append(type, { ...body, at: new Date().toISOString() }).json
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(message)
      } catch {
        // A socket that is closing is cleaned up by webSocketClose.
      }
    }
  }

  /** Queues log lines into the next frame; a full chunk's worth goes out at once. */
  queueLines(lines: LogLine[]): void {
    this.pendingLines.push(...lines)
    if (this.pendingLines.length >= LOG_CHUNK_LINES) this.flushLines()
    else this.frameTimer ??= setTimeout(() => this.flushLines(), LOG_FRAME_MS)
  }

  /** Sends the pending frame now: before a snapshot (or those lines would arrive twice) and at the end of a run. */
  flushLines(): void {
    if (this.frameTimer) clearTimeout(this.frameTimer)
    this.frameTimer = undefined
    if (!this.pendingLines.length) return
    const lines = this.pendingLines
    this.pendingLines = []
    this.broadcast('log', { lines } as Bodies['log'])
  }

  /** Viewers only listen; the one thing they may ask for is a fresh snapshot. */
  answer(ws: WebSocket, message: string | ArrayBuffer, snapshot: () => object): void {
    if (typeof message !== 'string' || !message.includes('"snapshot"')) return
    this.flushLines()
    ws.send(JSON.stringify(snapshot()))
  }

  failed(ws: WebSocket, error: unknown, runId: string): void {
    log.warn('live socket error', { run: runId, error: String(error) })
    ws.close(1011, 'socket error')
  }

  /** Closes the sockets of one user: they lost access to the project. */
  disconnect(userId: string, reason: string): number {
    const sockets = this.ctx.getWebSockets(userTag(userId))
    for (const ws of sockets) ws.close(4403, reason)
    return sockets.length
  }
}

const userTag = (userId: string) => `user:${userId}`
