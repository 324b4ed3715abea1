import { SourceMap } from 'node:module'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, relative, resolve } from 'node:path'

/**
 * CPU profiles of the Worker's isolate under `wrangler dev`, through wrangler's inspector proxy and
 * the Chrome DevTools Protocol `Profiler` domain, over a plain WebSocket. Frames are mapped back
 * to `src/…` and `durable-objects/…` with the bundle's source map.
 */

interface CallFrame {
  functionName: string
  scriptId: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
  hitCount?: number
  /** Samples per 1-based line of the script, within this node. */
  positionTicks?: { line: number; ticks: number }[]
}
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

class Cdp {
  private next = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private constructor(private readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } }
      const p = m.id === undefined ? undefined : this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id!)
      if (m.error) p.reject(new Error(m.error.message))
      else p.resolve(m.result)
    }
  }

  static async connect(inspectorUrl: string): Promise<Cdp> {
    const targets = (await (await fetch(`${inspectorUrl}/json`)).json()) as { webSocketDebuggerUrl: string }[]
    if (!targets[0]) throw new Error('the inspector lists no target')
    // wrangler's inspector proxy only admits local origins; undici's WebSocket takes headers.
    const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { Origin: 'http://localhost' } } as never)
    await new Promise((resolve, reject) => {
      ws.onopen = resolve
      ws.onerror = () => reject(new Error(`cannot open ${targets[0]!.webSocketDebuggerUrl}`))
    })
    return new Cdp(ws)
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++
    this.ws.send(JSON.stringify({ id, method, params }))
    return new Promise((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }))
  }

  close() {
    this.ws.close()
  }
}

/** Samples the isolate every `intervalUs` while `work` runs. */
export async function profile<T>(inspectorUrl: string, work: () => Promise<T>, intervalUs = 200): Promise<{ result: T; profile: CpuProfile }> {
  const cdp = await Cdp.connect(inspectorUrl)
  try {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs })
    await cdp.send('Profiler.start')
    const result = await work()
    const { profile } = await cdp.send<{ profile: CpuProfile }>('Profiler.stop')
    await cdp.send('Profiler.disable')
    return { result, profile }
  } finally {
    cdp.close()
  }
}

export interface FunctionTime {
  fn: string
  /** `src/domain/annotations-bulk.ts:17`, or the package for code in node_modules. */
  where: string
  ms: number
  /** Of the busy time: samples that were neither idle nor the profiler's own bookkeeping. */
  share: number
}

export interface ProfileSummary {
  /** Time the isolate ran JavaScript, GC or workerd's own code for it: what `share` divides. */
  busyMs: number
  /** Time the isolate waited: on D1 (SQLite runs in another isolate), the network, or nothing. */
  idleMs: number
  self: FunctionTime[]
  total: FunctionTime[]
  /** Self time by source line of Loupe's own code (`fn` is the enclosing function). */
  lines: FunctionTime[]
}

const IDLE = new Set(['(idle)', '(root)'])

/** Top functions by self time and by total (inclusive) time, with each counted once per stack. */
export function summarize(p: CpuProfile, bundle: ReturnType<typeof devBundleMap>, top = 15, root = process.cwd()): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const locate = locator(root, bundle)
  const keyOf = new Map<number, { key: string; fn: string; where: string }>()
  for (const n of p.nodes) {
    const f = n.callFrame
    const where = locate(f)
    const fn = f.functionName || '(anonymous)'
    keyOf.set(n.id, { key: `${fn} ${where}`, fn, where })
  }
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let idleUs = 0
  let busyUs = 0
  // workerd does not mark its isolate idle while it waits on I/O; the sampler simply stops, so a
  // long gap would be charged to whatever ran last before the wait. Gaps beyond ten intervals are waiting.
  const typical = [...p.timeDeltas].sort((a, b) => a - b)[Math.floor(p.timeDeltas.length / 2)] ?? 250
  const cap = Math.max(2000, 10 * typical)
  p.samples.forEach((id, i) => {
    // A sample's delta is the time until the next one; the last has none.
    const delta = p.timeDeltas[i + 1] ?? typical
    const charged = delta <= cap ? delta : typical
    idleUs += delta - charged
    const name = byId.get(id)!.callFrame.functionName
    if (IDLE.has(name)) {
      idleUs += charged
      return
    }
    busyUs += charged
    const k = keyOf.get(id)!.key
    self.set(k, (self.get(k) ?? 0) + charged)
    const seen = new Set<string>()
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const key = keyOf.get(n)!.key
      if (seen.has(key) || IDLE.has(byId.get(n)!.callFrame.functionName)) continue
      seen.add(key)
      total.set(key, (total.get(key) ?? 0) + charged)
    }
  })
  // Each node's self time spread over its lines by their share of the node's samples.
  const nodeSelf = new Map<number, number>()
  p.samples.forEach((id, i) => {
    const delta = p.timeDeltas[i + 1] ?? typical
    if (!IDLE.has(byId.get(id)!.callFrame.functionName)) nodeSelf.set(id, (nodeSelf.get(id) ?? 0) + (delta <= cap ? delta : typical))
  })
  const lineTime = new Map<string, number>()
  for (const n of p.nodes) {
    const ticks = (n.positionTicks ?? []).reduce((a, t) => a + t.ticks, 0)
    if (!ticks || !nodeSelf.get(n.id) || n.callFrame.url !== 'index.js') continue
    for (const t of n.positionTicks!) {
      const where = locate({ ...n.callFrame, lineNumber: t.line - 1, columnNumber: 100_000 })
      if (!/^(src|durable-objects)\//.test(where)) continue
      const key = `${keyOf.get(n.id)!.fn} ${where}`
      keyOf.set(-lineTime.size - 1, { key, fn: keyOf.get(n.id)!.fn, where })
      lineTime.set(key, (lineTime.get(key) ?? 0) + (nodeSelf.get(n.id)! * t.ticks) / ticks)
    }
  }
  const info = new Map([...keyOf.values()].map((v) => [v.key, v]))
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ fn: info.get(k)!.fn, where: info.get(k)!.where, ms: Math.round(us / 100) / 10, share: Math.round((1000 * us) / busyUs) / 10 }))
  return { busyMs: Math.round(busyUs / 1000), idleMs: Math.round(idleUs / 1000), self: rank(self), total: rank(total), lines: rank(lineTime) }
}

/**
 * The source map of the bundle the running `wrangler dev` serves: wrangler writes it under
 * `.wrangler/tmp/dev-*` and deletes it on exit, so read it while the server is up.
 */
export function devBundleMap(root = process.cwd()): { dir: string; map: unknown } | null {
  const tmp = join(root, '.wrangler', 'tmp')
  const dirs = readdirSync(tmp)
    .filter((d) => d.startsWith('dev-'))
    .map((d) => join(tmp, d))
    .filter((d) => {
      try {
        return statSync(join(d, 'index.js.map')).isFile()
      } catch {
        return false
      }
    })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  return dirs[0] ? { dir: dirs[0], map: JSON.parse(readFileSync(join(dirs[0], 'index.js.map'), 'utf8')) } : null
}

/** Maps a frame of the bundle to its original file and line; keeps the package name for node_modules. */
function locator(root: string, bundle: { dir: string; map: unknown } | null) {
  const map = bundle ? new SourceMap(bundle.map as never) : null
  return (f: CallFrame): string => {
    if (!f.url) return '(native)'
    if (f.url !== 'index.js' || !map) return f.url.replace(/^cloudflare-internal:/, 'workerd:')
    const entry = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number } | undefined
    if (!entry?.originalSource) return `bundle:${f.lineNumber + 1}`
    const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : resolve(bundle!.dir, entry.originalSource)
    const pkg = source.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
    if (pkg) return pkg[1]!
    return `${relative(root, source)}:${(entry.originalLine ?? 0) + 1}`
  }
}
