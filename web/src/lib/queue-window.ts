/**
 * The review queue is read a page at a time while a person steps through it one image at a time,
 * and it shrinks under them: an image whose predictions are all reviewed leaves the server's order.
 * A later page asked for by plain `skip` would then skip as many images as had left. So each
 * further page starts a page early and what is already held is dropped: up to a page of departures
 * between two reads costs nothing.
 */
export interface QueueList<T> {
  items: readonly T[]
  /** Held items plus those the server still has beyond the last page read; null before the first. */
  total: number | null
}

export const EMPTY_QUEUE: QueueList<never> = { items: [], total: null }

/** The next read: from a page before the end of what is held, two pages long. */
export function nextRequest(held: number, limit: number): { skip: number; limit: number } {
  return held === 0 ? { skip: 0, limit } : { skip: Math.max(0, held - limit), limit: Math.min(200, 2 * limit) }
}

/** Adds a page's new items in the server's order; the count beyond it comes from the server's total. */
export function appendPage<T>(list: QueueList<T>, page: { items: readonly T[]; total: number; skip: number }, keyOf: (item: T) => string): QueueList<T> {
  const seen = new Set(list.items.map(keyOf))
  const items = [...list.items, ...page.items.filter((item) => !seen.has(keyOf(item)))]
  const beyond = Math.max(0, page.total - page.skip - page.items.length)
  return { items, total: items.length + beyond }
}

/** Whether to read on: the position is within `ahead` of the end of what is held and the server has more. */
export function needsMore(index: number, list: QueueList<unknown>, ahead = 3): boolean {
  if (list.total === null) return true
  return list.items.length < list.total && index + ahead >= list.items.length
}

/** One step through the queue, stopping at either end rather than wrapping around. */
export function stepIndex(index: number, delta: number, total: number): number {
  if (total <= 0) return 0
  return Math.min(total - 1, Math.max(0, index + delta))
}

/** "3 of 41", one-based as a person counts. */
export function positionLabel(index: number, total: number): string {
  return total > 0 ? `${(Math.min(index, total - 1) + 1).toLocaleString()} of ${total.toLocaleString()}` : '0 of 0'
}
