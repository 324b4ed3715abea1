import { useEffect, useRef } from 'preact/hooks'

/** Calls `tick` every `ms` while `on` holds and the tab is visible; the latest `tick` is always the one called. */
export function usePolling(on: boolean, ms: number, tick: () => void) {
  const latest = useRef(tick)
  latest.current = tick
  useEffect(() => {
    if (!on) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') latest.current()
    }, ms)
    return () => clearInterval(timer)
  }, [on, ms])
}
