import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { api } from './api'
import type { Annotation, ReviewState } from './types'

export interface ReviewControls {
  review(annotation: Annotation, state: ReviewState, note?: string | null): Promise<void>
  next(): void
  previous(): void
  error: string | null
  pending: boolean
}

/** Keys typed into a field, or with a modifier, belong to that field or the browser. */
export function isShortcutTarget(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey) return false
  const el = event.target as HTMLElement | null
  if (!el || !el.tagName) return true
  if (el.isContentEditable) return false
  const tag = el.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return false
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type
    // Sliders and text fields use the arrows; checkboxes and buttons do not.
    return type === 'checkbox' || type === 'radio' || type === 'button'
  }
  return true
}

/**
 * Accept, reject or undo the selected annotation (A, R, U) and step through the visible ones with
 * the arrow keys. The change shows at once and is rolled back if the server refuses it.
 */
export function useReview(
  order: readonly Annotation[],
  lookup: (id: string) => Annotation | undefined,
  selectedId: string | null,
  select: (id: string | null) => void,
  apply: (annotation: Annotation) => void,
  enabled: boolean,
): ReviewControls {
  const [error, setError] = useState<string | null>(null)
  const [pending, setPending] = useState(false)

  const review = useCallback(
    async (annotation: Annotation, state: ReviewState, note?: string | null) => {
      setError(null)
      setPending(true)
      const optimistic = { ...annotation, review_state: state, review_note: note === undefined ? annotation.review_note : note }
      apply(optimistic)
      try {
        const saved = await api.review(annotation.id, note === undefined ? { state } : { state, note })
        // The server answers with the annotation, reviewer and time included; keep ours if it does not.
        apply(saved && typeof saved === 'object' && saved.id === annotation.id ? saved : optimistic)
      } catch (err) {
        apply(annotation)
        setError((err as Error).message)
      } finally {
        setPending(false)
      }
    },
    [apply],
  )

  const step = useCallback(
    (delta: number) => {
      if (order.length === 0) return
      const at = selectedId ? order.findIndex((a) => a.id === selectedId) : -1
      const next = at === -1 ? (delta > 0 ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, at + delta))
      select(order[next]!.id)
    },
    [order, selectedId, select],
  )

  const ref = useRef({ lookup, selectedId, review, step })
  ref.current = { lookup, selectedId, review, step }

  useEffect(() => {
    if (!enabled) return
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || !isShortcutTarget(event)) return
      const { lookup, selectedId, review, step } = ref.current
      const key = event.key
      if (key === 'ArrowRight' || key === 'ArrowDown') step(1)
      else if (key === 'ArrowLeft' || key === 'ArrowUp') step(-1)
      else {
        const target = selectedId ? lookup(selectedId) : undefined
        const state: ReviewState | null = key === 'a' || key === 'A' ? 'accepted' : key === 'r' || key === 'R' ? 'rejected' : key === 'u' || key === 'U' ? 'unreviewed' : null
        if (!state || !target) return
        void review(target, state)
      }
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [enabled])

  return { review, next: () => step(1), previous: () => step(-1), error, pending }
}
