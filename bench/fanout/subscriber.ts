/**
 * One subscriber process of the fan-out benchmark (forked by `run.ts`, never run alone): opens its
 * share of the WebSockets and stamps every message on arrival with a clock every process shares
 * (`performance.timeOrigin + performance.now()`, epoch milliseconds), before parsing it.
 */
interface Open {
  type: 'open'
  url: string
  token: string
  count: number
}
type Command = Open | { type: 'report' } | { type: 'cpu' } | { type: 'close' }

const now = () => performance.timeOrigin + performance.now()

const sockets: WebSocket[] = []
/** seq → arrival times, one per socket. */
const arrivals = new Map<number, number[]>()
/** seq → the server's `at` (when the object began to broadcast), epoch ms. */
const serverAt = new Map<number, number>()
let logLines = 0
let lastLogAt = 0
let maxSeq = 0

function onMessage(data: string) {
  const t = now()
  const m = JSON.parse(data) as { type: string; seq: number; at?: string; lines?: unknown[] }
  if (m.type === 'connected') {
    maxSeq = Math.max(maxSeq, m.seq)
    return
  }
  if (m.type === 'snapshot') return
  maxSeq = Math.max(maxSeq, m.seq)
  const times = arrivals.get(m.seq) ?? []
  times.push(t)
  arrivals.set(m.seq, times)
  if (m.at) serverAt.set(m.seq, Date.parse(m.at))
  if (m.type === 'log') {
    logLines += m.lines!.length
    lastLogAt = t
  }
  // The sender paces itself on this: the next callback goes out once every socket has this one.
  if (times.length === sockets.length) process.send!({ type: 'got', seq: m.seq })
}

async function open(c: Open) {
  for (let i = 0; i < c.count; i += 50) {
    const batch = Array.from({ length: Math.min(50, c.count - i) }, () => {
      const ws = new WebSocket(c.url, { headers: { Authorization: `Bearer ${c.token}` } } as never)
      ws.onmessage = (e) => onMessage(e.data as string)
      sockets.push(ws)
      return new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve()
        ws.onerror = () => reject(new Error('socket failed to open'))
      })
    })
    await Promise.all(batch)
  }
}

process.on('message', async (c: Command) => {
  if (c.type === 'open') {
    await open(c)
    // Let the snapshot and connected messages arrive before the sender starts.
    await new Promise((r) => setTimeout(r, 300))
    process.send!({ type: 'opened', sockets: sockets.length, maxSeq })
  } else if (c.type === 'cpu') {
    const u = process.cpuUsage()
    process.send!({ type: 'cpu', ms: (u.user + u.system) / 1000 })
  } else if (c.type === 'report') {
    process.send!({ type: 'report', arrivals: [...arrivals], serverAt: [...serverAt], logLines, lastLogAt, sockets: sockets.length })
  } else {
    for (const ws of sockets) ws.close()
    setTimeout(() => process.exit(0), 200)
  }
})
