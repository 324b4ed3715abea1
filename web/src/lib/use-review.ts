import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { nextAfterDecision, stepFrom } from './annotation-order'
import { api } from './api'
import type { Annotation, ReviewState } from './types'

export interface ReviewControls {
  /** Records a decision. With `advance`, the selection moves on to the next item in the list. */
  review(annotation: Annotation, state: ReviewState, options?: { note?: string | null; advance?: boolean }): Promise<void>
  /** Takes back the last decision made here and selects its item again. */
  undo(): Promise<void>
  canUndo: boolean
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

interface Decision {
  id: string
  before: { state: ReviewState; note: string | null }
}

const MAX_UNDO = 200

/**
 * Accept (A) or reject (R) the selected annotation and move on to the next, undo the last decision
 * (U), and step through the list with the arrow keys. A change shows at once and is rolled back if
 * the server refuses it.
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
  const [history, setHistory] = useState<readonly Decision[]>([])
  // Decisions reach the server one after another, in the order they were made, so an undo pressed
  // while its decision is still on the way cannot arrive first and be overwritten by it.
  const inOrder = useRef<Promise<unknown>>(Promise.resolve())

  const save = useCallback(
    async (annotation: Annotation, state: ReviewState, note: string | null | undefined) => {
      setError(null)
      setPending(true)
      const optimistic = { ...annotation, review_state: state, review_note: note === undefined ? annotation.review_note : note }
      apply(optimistic)
      try {
        const request = inOrder.current.then(() => api.review(annotation.id, note === undefined ? { state } : { state, note }))
        inOrder.current = request.catch(() => undefined)
        const saved = await request
        // The server answers with the annotation, reviewer and time included; keep ours if it does not.
        apply(saved && typeof saved === 'object' && saved.id === annotation.id ? saved : optimistic)
        return true
      } catch (err) {
        apply(annotation)
        setError((err as Error).message)
        return false
      } finally {
        setPending(false)
      }
    },
    [apply],
  )

  const review = useCallback(
    async (annotation: Annotation, state: ReviewState, options: { note?: string | null; advance?: boolean } = {}) => {
      const next = options.advance ? nextAfterDecision(order, annotation.id) : undefined
      if (next !== undefined && state !== annotation.review_state) select(next)
      // Remembered as it is made, like the change on screen: a U pressed before the server answers
      // takes back this decision, not the one before it.
      const decision: Decision | null =
        state !== annotation.review_state || options.note !== undefined ? { id: annotation.id, before: { state: annotation.review_state, note: annotation.review_note } } : null
      if (decision) setHistory((h) => [...h.slice(-(MAX_UNDO - 1)), decision])
      const ok = await save(annotation, state, options.note)
      if (!ok) {
        if (decision) setHistory((h) => h.filter((d) => d !== decision))
        if (next !== undefined) select(annotation.id)
      }
    },
    [order, save, select],
  )

  const undo = useCallback(async () => {
    const last = history.at(-1)
    if (!last) {
      // Nothing decided here yet: U clears the selected item's decision, whoever made it.
      const current = selectedId ? lookup(selectedId) : undefined
      if (current && current.review_state !== 'unreviewed') await save(current, 'unreviewed', undefined)
      return
    }
    const current = lookup(last.id)
    setHistory((h) => h.slice(0, -1))
    if (!current) return
    select(last.id)
    await save(current, last.before.state, last.before.note)
  }, [history, lookup, save, select, selectedId])

  const step = useCallback((delta: number) => select(stepFrom(order, selectedId, delta)), [order, selectedId, select])

  const ref = useRef({ lookup, selectedId, review, step, undo })
  ref.current = { lookup, selectedId, review, step, undo }

  useEffect(() => {
    if (!enabled) return
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || !isShortcutTarget(event)) return
      const { lookup, selectedId, review, step, undo } = ref.current
      const key = event.key.toLowerCase()
      if (key === 'arrowright' || key === 'arrowdown' || key === 'j') step(1)
      else if (key === 'arrowleft' || key === 'arrowup' || key === 'k') step(-1)
      else if (key === 'u') void undo()
      else if (key === 'a' || key === 'r') {
        const target = selectedId ? lookup(selectedId) : undefined
        if (!target) return
        void review(target, key === 'a' ? 'accepted' : 'rejected', { advance: true })
      } else return
      event.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [enabled])

  return { review, undo, canUndo: history.length > 0, next: () => step(1), previous: () => step(-1), error, pending }
}
