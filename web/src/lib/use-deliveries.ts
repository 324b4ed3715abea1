import { useEffect, useRef, useState } from 'preact/hooks'
import { api, type DeliverySource } from './api'
import { retryDueSoon } from './delivery-log'
import type { Delivery } from './types'
import { useAsync } from './use-async'
import { usePolling } from './use-polling'

const POLL_MS = 2000
/** How long the log keeps refreshing after the run ends or a redelivery is queued: a queue hop and an attempt. */
const FOLLOW_MS = 30_000
/** A failed message whose retry is this close is watched for, whatever the run's state. */
const RETRY_WINDOW_MS = 60_000

export interface DeliveryLogState {
  deliveries: Delivery[] | undefined
  error: Error | null
  reload(): void
  /** Webhook ids of the redeliveries asked for from this page, oldest first. */
  redelivered: string[]
  /** Queues the delivery's event again as a new message and answers its webhook id. */
  redeliver(delivery: Delivery): Promise<string>
}

/**
 * A run's webhook deliveries (docs/dispatch.md#delivery-log-and-redelivery), refreshed while the
 * run is live, while a retry is due, and for a while after the run ends or a redelivery is asked
 * for. The run's stream does not carry deliveries, so this polls.
 */
export function useDeliveries(runs: DeliverySource, runId: string | null, live: boolean): DeliveryLogState {
  const log = useAsync(
    async (signal) => ({ runId, deliveries: runId ? (await api.deliveries(runs, runId, signal)).deliveries : [] }),
    [runs, runId],
  )
  const [followUntil, setFollowUntil] = useState(0)
  const [redelivered, setRedelivered] = useState<string[]>([])
  useEffect(() => {
    setRedelivered([])
    setFollowUntil(0)
  }, [runs, runId])

  // A run's last deliveries (a cancel's, a retry's) land after its last change.
  const wasLive = useRef(live)
  useEffect(() => {
    if (wasLive.current && !live) setFollowUntil(Date.now() + FOLLOW_MS)
    wasLive.current = live
  }, [live])

  // useAsync keeps the last answer while the next loads; another run's log is not this one's.
  const rows = log.data?.runId === runId ? log.data.deliveries : undefined
  const following = runId !== null && (live || followUntil > 0 || (rows !== undefined && retryDueSoon(rows, Date.now(), RETRY_WINDOW_MS)))
  usePolling(following, POLL_MS, () => {
    if (followUntil > 0 && Date.now() > followUntil) setFollowUntil(0)
    log.reload()
  })

  async function redeliver(delivery: Delivery) {
    const { webhook_id } = await api.redeliver(delivery.id)
    setRedelivered((ids) => [...ids, webhook_id])
    setFollowUntil(Date.now() + FOLLOW_MS)
    log.reload()
    return webhook_id
  }

  return { deliveries: rows, error: log.error, reload: log.reload, redelivered, redeliver }
}
