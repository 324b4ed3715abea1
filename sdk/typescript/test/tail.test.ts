import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tail } from '../src/cli/tail'
import { ANALYSIS_ID, envelope, StubServer, TOKEN } from './stub-server'

/** Stands in for Node's WebSocket: each connection plays the next script. */
class FakeWebSocket extends EventTarget {
  static scripts: ((ws: FakeWebSocket) => void)[] = []
  static opened: { url: string; headers: Record<string, string> }[] = []
  readonly sent: string[] = []

  constructor(url: string, init: { headers: Record<string, string> }) {
    super()
    FakeWebSocket.opened.push({ url, headers: init.headers })
    const script = FakeWebSocket.scripts.shift()
    setTimeout(() => script?.(this), 0)
  }

  send(data: string) {
    this.sent.push(data)
  }

  close(code = 1000, reason = '') {
    this.dispatchEvent(Object.assign(new Event('close'), { code, reason }))
  }

  open() {
    this.dispatchEvent(new Event('open'))
  }

  emit(message: object) {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(message) }))
  }
}

const at = '2025-01-15T10:30:02.345Z'
const analysis = (status: string) => ({ id: ANALYSIS_ID, status, progress: 0.5, stage: 'inference', annotation_count: 0, error_message: null })

let server: StubServer
beforeEach(async () => {
  server = await StubServer.start()
  FakeWebSocket.scripts = []
  FakeWebSocket.opened = []
  vi.stubGlobal('WebSocket', FakeWebSocket)
})
afterEach(async () => {
  vi.unstubAllGlobals()
  await server.close()
})

function run(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const delays: number[] = []
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: { LOUPE_URL: server.url, LOUPE_TOKEN: TOKEN } }
  const done = tail(argv, io, async (ms) => void delays.push(ms))
  return { done, out: () => out.join(''), err: () => err.join(''), delays }
}

describe('loupe tail', () => {
  it('reconnects from the last seq it saw and exits 0 when the analysis completes', async () => {
    FakeWebSocket.scripts.push(
      (ws) => {
        ws.open()
        ws.emit({ type: 'connected', analysis_id: ANALYSIS_ID, seq: 9 }) // the latest seq, not one we have seen
        ws.emit({ type: 'snapshot', seq: 5, reset: false, analysis: analysis('processing'), stages: [], logs: [] })
        ws.emit({ type: 'progress', seq: 6, at, progress: 0.5, stage: 'inference', stages: [], message: null })
        ws.close(1006, '')
      },
      (ws) => {
        ws.open()
        ws.emit({ type: 'connected', analysis_id: ANALYSIS_ID, seq: 9 })
        ws.emit({ type: 'status', seq: 8, at, analysis: analysis('completed') })
        ws.emit({ type: 'finalized', seq: 9, at, analysis: analysis('completed') })
      },
    )
    const t = run(ANALYSIS_ID)
    expect(await t.done).toBe(0)
    expect(FakeWebSocket.opened.map((o) => o.url)).toEqual([
      `${server.url.replace('http', 'ws')}/api/analyses/${ANALYSIS_ID}/live`,
      `${server.url.replace('http', 'ws')}/api/analyses/${ANALYSIS_ID}/live?since=6`,
    ])
    expect(FakeWebSocket.opened[0]!.headers).toEqual({ Authorization: `Bearer ${TOKEN}` })
    expect(t.out()).toContain('10:30:02.345 progress  50.0% [inference]')
    expect(t.out()).toContain('10:30:02.345 finalized completed')
    expect(t.err()).toContain('reconnecting from seq 6')
    expect(t.delays).toEqual([500])
    expect(server.matching('GET', '/live')).toHaveLength(1) // one access check, before the first socket
  })

  it('exits 1 for a failed analysis, even if the socket closes before `finalized`', async () => {
    FakeWebSocket.scripts.push((ws) => {
      ws.open()
      ws.emit({ type: 'status', seq: 3, at, analysis: analysis('failed') })
      ws.close(1006, '')
    })
    expect(await run(ANALYSIS_ID).done).toBe(1)
    expect(FakeWebSocket.opened).toHaveLength(1)
  })

  it('reports a refused token without opening a socket', async () => {
    server.queue('GET', '/live', { status: 401, body: envelope('unauthorized', 'Invalid, expired or revoked API token') })
    await expect(run(ANALYSIS_ID).done).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
    expect(FakeWebSocket.opened).toEqual([])
  })

  it('prints raw messages with --json', async () => {
    const snapshot = { type: 'snapshot', seq: 2, reset: false, analysis: analysis('completed'), stages: [], logs: [] }
    FakeWebSocket.scripts.push((ws) => {
      ws.open()
      ws.emit(snapshot)
    })
    const t = run(ANALYSIS_ID, '--json')
    expect(await t.done).toBe(0)
    expect(JSON.parse(t.out())).toEqual(snapshot)
  })
})
