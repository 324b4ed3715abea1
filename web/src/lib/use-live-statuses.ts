import { useEffect, useRef } from 'preact/hooks'
import { connectLive } from './live-connection'
import { isTerminal, type Analysis } from './types'

/** Enough for a busy image; beyond it the rest update when they are opened. */
const MAX_WATCHED = 8

/**
 * Keeps the status badges of the analyses that are still running current, one stream each, for the
 * analyses not already followed by the selected view. Sockets close as analyses finish.
 */
export function useLiveStatuses(analyses: readonly Analysis[] | undefined, exceptId: string | null, onUpdate: (analysis: Analysis) => void) {
  const update = useRef(onUpdate)
  update.current = onUpdate
  const watched = (analyses ?? [])
    .filter((a) => a.id !== exceptId && !isTerminal(a.status))
    .slice(0, MAX_WATCHED)
    .map((a) => a.id)
    .sort()
    .join(',')

  useEffect(() => {
    if (!watched || typeof WebSocket === 'undefined') return
    const stops = watched.split(',').map((id) => {
      let lastSeq: number | null = null
      let status: Analysis['status'] | null = null
      let current: Analysis | null = null
      return connectLive(id, {
        onMessage(m) {
          if (m.type === 'connected' || m.type === 'review') return
          lastSeq = m.seq
          if (m.type === 'snapshot' || m.type === 'status' || m.type === 'finalized') current = m.analysis
          else if (m.type === 'progress' && current) current = { ...current, progress: m.progress, stage: m.stage }
          else if (m.type === 'annotations' && current) current = { ...current, annotation_count: m.annotation_count }
          else return
          status = current.status
          update.current(current)
        },
        onStatus() {},
        lastSeq: () => lastSeq,
        shouldReconnect: () => !status || !isTerminal(status),
      })
    })
    return () => stops.forEach((stop) => stop())
  }, [watched])
}
