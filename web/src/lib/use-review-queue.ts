import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { reviewApi, type QueueQuery } from './project-review-api'
import { appendPage, EMPTY_QUEUE, needsMore, nextRequest, stepIndex, type QueueList } from './queue-window'
import type { ReviewQueueItem } from './types'

export const QUEUE_PAGE = 50

interface QueueState {
  key: string
  list: QueueList<ReviewQueueItem>
  error: Error | null
}

const empty = (key: string): QueueState => ({ key, list: EMPTY_QUEUE, error: null })
const imageOf = (item: ReviewQueueItem) => item.image_id

/**
 * The queue as a person walks it: one position, and more of the queue read as it comes near.
 * What was read is kept in its order, so stepping back shows the same images even though reviews
 * made since reorder the server's answer; `reload` reads the queue afresh.
 */
export function useReviewQueue(projectId: string, query: QueueQuery | null) {
  const key = query ? `${projectId}\u0000${JSON.stringify(query)}` : ''
  const [state, setState] = useState<QueueState>(() => empty(key))
  const [index, setIndex] = useState(0)
  const [tick, setTick] = useState(0)
  const reading = useRef<AbortController | null>(null)
  const current = state.key === key ? state : empty(key)

  useEffect(() => {
    setState(empty(key))
    setIndex(0)
    return () => {
      reading.current?.abort()
      reading.current = null
    }
  }, [key, tick])

  useEffect(() => {
    if (!query || state.key !== key || state.error || reading.current || !needsMore(index, state.list)) return
    const controller = new AbortController()
    reading.current = controller
    const page = nextRequest(state.list.items.length, QUEUE_PAGE)
    reviewApi.queue(projectId, query, page, controller.signal).then(
      (answer) => {
        reading.current = null
        setState((s) => (s.key !== key ? s : { ...s, list: appendPage(s.list, answer, imageOf) }))
      },
      (error: Error) => {
        if (controller.signal.aborted) return
        reading.current = null
        setState((s) => (s.key !== key ? s : { ...s, error }))
      },
    )
    // `query` is part of `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, index, state])

  const total = current.list.total
  const step = useCallback((delta: number) => setIndex((i) => stepIndex(i, delta, total ?? 0)), [total])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  const retry = useCallback(() => setState((s) => ({ ...s, error: null })), [])

  const item = current.list.items[index]
  return { index, step, total, item, error: current.error, reload, retry }
}
