import { useEffect, useMemo, useState } from 'preact/hooks'
import { api } from './api'
import { mergeLogs } from './log-merge'
import type { LogLine } from './types'

/** Lines read over REST when the console opens; past this the download has the rest. */
export const FETCHED_LOG_LINES = 5000

/**
 * The run's log as far back as is worth holding: the live stream carries only the last lines of
 * a long log, so the start is read once from `GET /api/analyses/{id}/logs` and joined with it.
 */
export function useFullLog(analysisId: string, live: readonly LogLine[]) {
  const [fetched, setFetched] = useState<{ lines: LogLine[]; total: number } | null>(null)
  useEffect(() => {
    setFetched(null)
    const controller = new AbortController()
    const load = async () => {
      const first = await api.logs(analysisId, { offset: 0, limit: FETCHED_LOG_LINES }, controller.signal)
      // A longer log: its newest lines matter more than its first ones.
      const page = first.next_offset === null ? first : await api.logs(analysisId, { offset: Math.max(0, first.total - FETCHED_LOG_LINES), limit: FETCHED_LOG_LINES }, controller.signal)
      setFetched({ lines: page.lines, total: page.total })
    }
    // Without it the console still has the live lines; nothing to report over them.
    load().catch(() => undefined)
    return () => controller.abort()
  }, [analysisId])
  const lines = useMemo(() => (fetched ? mergeLogs(fetched.lines, live) : (live as LogLine[])), [fetched, live])
  /** Lines the server has that are not here: the first ones of a very long log. */
  const missing = fetched ? Math.max(0, fetched.total - fetched.lines.length) : 0
  return { lines, missing }
}
