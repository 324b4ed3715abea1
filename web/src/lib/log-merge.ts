import type { LogLine } from './types'

const same = (a: LogLine, b: LogLine) => a.ts === b.ts && a.message === b.message && a.level === b.level && (a.stage ?? null) === (b.stage ?? null)

/**
 * The log read over REST (`fetched`, the server's lines up to the moment it answered) joined with
 * what the live stream holds (`live`: the snapshot's last lines, then every line since). The two
 * overlap; the join takes everything fetched, then the live lines after the last fetched one.
 */
export function mergeLogs(fetched: readonly LogLine[], live: readonly LogLine[]): LogLine[] {
  if (fetched.length === 0) return live as LogLine[]
  if (live.length === 0) return fetched as LogLine[]
  const last = fetched[fetched.length - 1]!
  // Latest match first: with repeated lines, the overlap is the shortest tail that lines up.
  for (let i = live.length - 1; i >= 0; i--) {
    if (!same(live[i]!, last)) continue
    let k = 1
    while (k <= i && k < fetched.length && same(live[i - k]!, fetched[fetched.length - 1 - k]!)) k++
    if (k > i || k === fetched.length) return fetched.concat(live.slice(i + 1))
  }
  // No overlap: the live lines are all newer, or all older (the fetch answered after them).
  return live[0]!.ts >= last.ts ? fetched.concat(live) : (fetched as LogLine[])
}
