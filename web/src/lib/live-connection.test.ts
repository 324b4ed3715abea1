import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { reconnectDelay } from './backoff'
import { connectLive } from './live-connection'
import type { LiveMessage } from './types'

class FakeSocket {
  static all: FakeSocket[] = []
  readyState = 0
  sent: string[] = []
  onopen: (() => void) | null = null
  onmessage: ((e: { data: unknown }) => void) | null = null
  onclose: (() => void) | null = null
  onerror: (() => void) | null = null
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  receive(message: unknown) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) })
  }
  drop() {
    this.readyState = 3
    this.onclose?.()
  }
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.drop()
  }
}

describe('connectLive', () => {
  beforeEach(() => {
    FakeSocket.all = []
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  const start = (overrides: { shouldReconnect?: () => boolean } = {}) => {
    const messages: LiveMessage[] = []
    const statuses: string[] = []
    let lastSeq: number | null = null
    const stop = connectLive(
      'a1',
      {
        onMessage: (m) => {
          messages.push(m)
          if (m.type !== 'connected') lastSeq = m.seq
        },
        onStatus: (s) => statuses.push(s),
        lastSeq: () => lastSeq,
        shouldReconnect: overrides.shouldReconnect ?? (() => true),
      },
      { WebSocket: FakeSocket as unknown as typeof WebSocket, delay: (n) => 1000 * 2 ** n, url: (since) => `ws://x/live${since === null ? '' : `?since=${since}`}`, pingMs: 10_000 },
    )
    return { messages, statuses, stop }
  }

  it('resumes from the last seq after a drop, with growing delays', () => {
    const { messages } = start()
    const first = FakeSocket.all[0]!
    expect(first.url).toBe('ws://x/live')
    first.open()
    first.receive({ type: 'log', seq: 7, at: 'now', lines: [] })
    first.drop()
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all[1]!.url).toBe('ws://x/live?since=7')
    FakeSocket.all[1]!.drop()
    vi.advanceTimersByTime(1999)
    expect(FakeSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(3)
    expect(messages.map((m) => m.type)).toEqual(['log'])
  })

  it('resets the backoff once the server says connected', () => {
    start()
    FakeSocket.all[0]!.drop()
    vi.advanceTimersByTime(1000)
    FakeSocket.all[1]!.receive({ type: 'connected', analysis_id: 'a1', seq: 3 })
    FakeSocket.all[1]!.drop()
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all).toHaveLength(3)
  })

  it('stays closed when the analysis is final', () => {
    const { statuses } = start({ shouldReconnect: () => false })
    FakeSocket.all[0]!.drop()
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(statuses.at(-1)).toBe('closed')
  })

  it('ignores pongs and malformed frames, and pings while open', () => {
    const { messages } = start()
    const ws = FakeSocket.all[0]!
    ws.open()
    ws.receive('pong')
    ws.receive('{not json')
    ws.receive({ nope: true })
    vi.advanceTimersByTime(10_000)
    expect(messages).toHaveLength(0)
    expect(ws.sent).toEqual(['ping'])
  })

  it('stops for good when told to', () => {
    const { stop } = start()
    stop()
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(FakeSocket.all[0]!.readyState).toBe(3)
  })
})

describe('reconnectDelay', () => {
  it('doubles up to the cap, with at least half of each step', () => {
    const opts = { baseMs: 500, maxMs: 8000 }
    expect(reconnectDelay(0, opts, () => 0)).toBe(250)
    expect(reconnectDelay(0, opts, () => 1)).toBe(500)
    expect(reconnectDelay(3, opts, () => 1)).toBe(4000)
    expect(reconnectDelay(10, opts, () => 1)).toBe(8000)
    expect(reconnectDelay(10, opts, () => 0)).toBe(4000)
  })
})
