import type { Delivery } from './types'

/**
 * Ids of the attempts a later attempt of the same message (`webhook_id`) followed: their
 * `next_attempt_at` is history, not a promise.
 */
export function supersededAttempts(deliveries: readonly Delivery[]): Set<string> {
  const latest = new Map<string, Delivery>()
  for (const d of deliveries) {
    const seen = latest.get(d.webhook_id)
    if (!seen || d.attempt > seen.attempt) latest.set(d.webhook_id, d)
  }
  return new Set(deliveries.filter((d) => latest.get(d.webhook_id) !== d).map((d) => d.id))
}

/**
 * True when a message's last attempt failed and its retry is due within `windowMs` of `now` (or
 * overdue by less): worth watching for even after the run itself has ended, as a cancel's
 * delivery or a retry lands after the run's last change.
 */
export function retryDueSoon(deliveries: readonly Delivery[], now: number, windowMs: number): boolean {
  const superseded = supersededAttempts(deliveries)
  return deliveries.some((d) => {
    if (d.outcome !== 'failed' || !d.next_attempt_at || superseded.has(d.id)) return false
    return Math.abs(Date.parse(d.next_attempt_at) - now) <= windowMs
  })
}
