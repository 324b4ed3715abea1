import { useCallback, useEffect, useState } from 'preact/hooks'

export interface AsyncState<T> {
  data: T | undefined
  error: Error | null
  loading: boolean
  reload(): void
  setData(update: (data: T | undefined) => T | undefined): void
}

/** Runs `load` when `deps` change, aborting the previous run; stale answers never overwrite newer ones. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  })
  const [tick, setTick] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    setState((s) => ({ data: s.data, error: null, loading: true }))
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error: Error) => !controller.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    )
    return () => controller.abort()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  // An error from a lost connection should not outlive the connection's return.
  const failed = state.error !== null
  useEffect(() => {
    if (!failed) return
    window.addEventListener('online', reload)
    return () => window.removeEventListener('online', reload)
  }, [failed, reload])
  const setData = useCallback((update: (data: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: update(s.data) })), [])
  return { ...state, reload, setData }
}
