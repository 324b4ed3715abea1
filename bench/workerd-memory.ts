import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'

/**
 * Memory of the workerd process that runs the Worker under `wrangler dev`, read from /proc (Linux).
 * wrangler starts two workerd processes: a proxy bound to the dev port, and the runtime that holds
 * the Worker, its Durable Objects and local D1; the runtime is the one with an inspector address.
 */
export function workerdPid(wranglerPid: number): number {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // `pid (comm) state ppid …`: comm may hold spaces, so read after the last parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // the process ended while we looked
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parents.get(p) ?? 0, hops++) if (p === wranglerPid) return true
    return false
  }
  const candidates = [...parents.keys()].filter((pid) => pid !== wranglerPid && descends(pid) && cmdline(pid).includes('workerd'))
  const runtime = candidates.find((pid) => cmdline(pid).includes('--inspector-addr'))
  if (!runtime) throw new Error(`no workerd runtime under wrangler pid ${wranglerPid} (found ${candidates.join(', ') || 'none'})`)
  return runtime
}

/**
 * The ports the process listens on (IPv4 loopback), from /proc/net/tcp and its socket inodes: the
 * workerd runtime serves the Worker on one of them directly, behind wrangler's proxy.
 */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`)
      const m = link.match(/^socket:\[(\d+)\]$/)
      if (m) inodes.add(m[1]!)
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = []
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    // f[1] local address, f[3] state (0A = LISTEN), f[9] inode
    if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16))
  }
  return ports
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))
  return line ? Number(line[1]) : Number.NaN
}

export interface MemoryWindow {
  /** RSS when the window opened. */
  startMb: number
  /** Highest RSS seen by sampling every `intervalMs`. */
  peakSampledMb: number
  /** The kernel's own high-water mark for the window (VmHWM after a reset through clear_refs). */
  peakHwmMb: number
  endMb: number
}

/**
 * Watches one process's resident memory while `work` runs. The kernel's high-water mark is reset
 * first (`echo 5 > clear_refs`), so the peak belongs to this window and not to what ran before.
 */
export async function measureMemory<T>(pid: number, work: () => Promise<T>, intervalMs = 25): Promise<{ result: T; memory: MemoryWindow }> {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not permitted: VmHWM then covers the process's whole life and is reported as such.
  }
  const startKb = statusKb(pid, 'VmRSS')
  let peakKb = startKb
  const timer = setInterval(() => {
    peakKb = Math.max(peakKb, statusKb(pid, 'VmRSS'))
  }, intervalMs)
  try {
    const result = await work()
    const endKb = statusKb(pid, 'VmRSS')
    peakKb = Math.max(peakKb, endKb)
    const mb = (kb: number) => Math.round(kb / 1024)
    return { result, memory: { startMb: mb(startKb), peakSampledMb: mb(peakKb), peakHwmMb: mb(statusKb(pid, 'VmHWM')), endMb: mb(endKb) } }
  } finally {
    clearInterval(timer)
  }
}

/** CPU time the process has used so far (user + system), in ms; /proc counts in clock ticks (100 Hz). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // after the comm: state(0) ppid(1) … utime(11) stime(12)
  return (Number(f[11]) + Number(f[12])) * 10
}
