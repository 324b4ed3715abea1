import { useCallback, useEffect, useReducer, useRef } from 'preact/hooks'
import { analysisReducer, initialAnalysisState, type AnalysisState } from './analysis-state'
import { api } from './api'
import { connectLive } from './live-connection'
import type { Analysis, Annotation } from './types'

export const PAGE_SIZE = 2000
/** Annotation events arrive in chunks; wait for a lull before deciding that some were missed. */
const RECONCILE_AFTER_MS = 1500

export interface AnalysisSession extends AnalysisState {
  list: readonly Annotation[]
  updateAnnotation(annotation: Annotation): void
  retry(): void
}

/**
 * One analysis, kept current: annotations listed page by page through `next_cursor`, and the live
 * stream applied on top. If the count the server reports runs ahead of what arrived (an event fell
 * between the listing and the socket opening), the listing runs again and merges.
 */
export function useAnalysis(analysis: Analysis | null, options: { live?: boolean } = {}): AnalysisSession {
  const live = options.live ?? true
  const [state, dispatch] = useReducer(analysisReducer, analysis, initialAnalysisState)
  const latest = useRef(state)
  latest.current = state

  const id = analysis?.id ?? null
  const mounted = useRef(false)
  useEffect(() => {
    if (mounted.current) dispatch({ type: 'select', analysis })
    mounted.current = true
    // Only a different analysis resets; updates to the same one arrive through the stream.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id])

  const stateId = state.analysis?.id ?? null
  const generation = state.generation
  useEffect(() => {
    if (!stateId) return
    const controller = new AbortController()
    ;(async () => {
      let cursor: string | null = null
      do {
        const page = await api.annotations(stateId, { cursor, limit: PAGE_SIZE }, controller.signal)
        cursor = page.next_cursor
        dispatch({ type: 'page', generation, annotations: page.annotations, done: !cursor })
      } while (cursor && !controller.signal.aborted)
    })().catch((error: Error) => {
      if (!controller.signal.aborted) dispatch({ type: 'load-error', generation, error })
    })
    return () => controller.abort()
  }, [stateId, generation])

  useEffect(() => {
    if (!stateId || !live || typeof WebSocket === 'undefined') return
    return connectLive(stateId, {
      onMessage: (message) => dispatch({ type: 'live', message }),
      onStatus: (status) => dispatch({ type: 'connection', status }),
      lastSeq: () => latest.current.lastSeq,
      // A finished analysis still changes: reviewers' decisions arrive on the same stream.
      shouldReconnect: () => true,
    })
  }, [stateId, live])

  // Back online: a listing that failed meanwhile runs again, without waiting for a click.
  useEffect(() => {
    const onOnline = () => latest.current.error && dispatch({ type: 'resync' })
    window.addEventListener('online', onOnline)
    return () => window.removeEventListener('online', onOnline)
  }, [])

  const expected = state.analysis?.annotation_count ?? 0
  const have = state.annotations.list.length
  const reconciledFor = useRef(-1)
  useEffect(() => {
    if (state.loading || state.error || expected <= have || reconciledFor.current === expected) return
    const timer = setTimeout(() => {
      reconciledFor.current = expected
      dispatch({ type: 'resync' })
    }, RECONCILE_AFTER_MS)
    return () => clearTimeout(timer)
  }, [state.loading, state.error, expected, have])

  const updateAnnotation = useCallback((annotation: Annotation) => dispatch({ type: 'annotation', annotation }), [])
  const retry = useCallback(() => dispatch({ type: 'resync' }), [])
  return { ...state, list: state.annotations.list, updateAnnotation, retry }
}
