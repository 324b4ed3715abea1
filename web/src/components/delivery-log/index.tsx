import { useEffect, useState } from 'preact/hooks'
import { supersededAttempts } from '../../lib/delivery-log'
import { formatAbsolute, formatRelative } from '../../lib/format'
import type { Delivery } from '../../lib/types'
import styles from './style.module.css'

interface Props {
  /** Newest first, as the API lists them. */
  deliveries: Delivery[]
  /** Editors and owners may send a delivery again; viewers only read the log. */
  canRedeliver: boolean
  /** Webhook ids redelivered from this page, oldest first: their attempts are marked as they arrive. */
  redelivered: string[]
  onRedeliver(delivery: Delivery): Promise<string>
  /** An endpoint's log spans many runs: each row then names its run. */
  showRun?: boolean
}

/** A run's webhook delivery attempts as a table, each with what the endpoint answered and, for editors, a redeliver button. */
export function DeliveryLog({ deliveries, canRedeliver, redelivered, onRedeliver, showRun = false }: Props) {
  const now = useNow(15_000)
  const [sending, setSending] = useState<string | null>(null)
  const [failure, setFailure] = useState<string | null>(null)
  const superseded = supersededAttempts(deliveries)
  const columns = canRedeliver ? 4 : 3

  async function redeliver(d: Delivery) {
    setSending(d.id)
    setFailure(null)
    try {
      await onRedeliver(d)
    } catch (err) {
      setFailure((err as Error).message)
    } finally {
      setSending(null)
    }
  }

  return (
    <div class={styles.log} data-testid="delivery-log">
      <div class={styles.scroll}>
        <table class={styles.table}>
          <caption class="visually-hidden">Webhook delivery attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Outcome</th>
              <th scope="col">When</th>
              {canRedeliver && (
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          {deliveries.map((d) => (
            <tbody
              key={d.id}
              class={styles.delivery}
              data-testid="delivery"
              data-outcome={d.outcome}
              data-attempt={d.attempt}
              data-webhook-id={d.webhook_id}
              data-redelivered={redelivered.includes(d.webhook_id) ? 'true' : undefined}
            >
              <tr>
                <td>
                  <span class="mono">{d.event}</span>
                  {showRun && (
                    <span class={styles.sub} data-testid="delivery-run" title={`${d.run_kind} ${d.run_id}`}>
                      {d.run_kind === 'job' ? <a href={`/jobs/${d.run_id}`}>job {d.run_id.slice(0, 8)}</a> : `${d.run_kind} ${d.run_id.slice(0, 8)}`}
                    </span>
                  )}
                  <span class={styles.sub}>
                    #{d.attempt} ·{' '}
                    <span class={`mono ${styles.id}`} title={`${d.webhook_id} to ${d.endpoint_url}`}>
                      {d.webhook_id}
                    </span>
                  </span>
                </td>
                <td>
                  <span class={styles.badge} data-outcome={d.outcome}>
                    {d.outcome}
                  </span>
                  <span class={styles.sub} data-testid="delivery-response" title={d.response_status === null ? 'The endpoint did not answer' : `HTTP status ${d.response_status}`}>
                    {d.response_status === null ? 'no answer' : String(d.response_status)}
                    {d.latency_ms !== null && ` · ${d.latency_ms} ms`}
                  </span>
                </td>
                <td>
                  <time dateTime={d.attempted_at} title={formatAbsolute(d.attempted_at)}>
                    {formatRelative(d.attempted_at, now)}
                  </time>
                  {d.outcome === 'failed' && d.next_attempt_at && (
                    <span class={styles.sub} data-testid="delivery-next">
                      {superseded.has(d.id) ? (
                        'retried'
                      ) : (
                        <>
                          retry{' '}
                          <time dateTime={d.next_attempt_at} title={formatAbsolute(d.next_attempt_at)}>
                            {Date.parse(d.next_attempt_at) > now ? formatRelative(d.next_attempt_at, now) : 'due'}
                          </time>
                        </>
                      )}
                    </span>
                  )}
                </td>
                {canRedeliver && (
                  <td>
                    <button
                      type="button"
                      class={styles.redeliver}
                      onClick={() => redeliver(d)}
                      disabled={sending !== null}
                      aria-label={`Redeliver ${d.event}, attempt ${d.attempt} of ${d.webhook_id}`}
                      data-testid="redeliver"
                    >
                      {sending === d.id ? 'Sending…' : 'Redeliver'}
                    </button>
                  </td>
                )}
              </tr>
              {(d.response_excerpt || d.error) && (
                <tr class={styles.more}>
                  <td colSpan={columns}>
                    <details>
                      <summary>
                        <span>{d.error ? 'Error' : 'Response'}</span> <span class={styles.preview}>{d.error ?? d.response_excerpt}</span>
                      </summary>
                      {d.error && <pre data-testid="delivery-error">{d.error}</pre>}
                      {d.response_excerpt && <pre data-testid="delivery-excerpt">{d.response_excerpt}</pre>}
                    </details>
                  </td>
                </tr>
              )}
            </tbody>
          ))}
        </table>
      </div>
      <p class={styles.status} role="status">
        {failure ? <span class={styles.failure}>Could not redeliver: {failure}</span> : <Redelivery deliveries={deliveries} webhookId={redelivered.at(-1)} />}
      </p>
    </div>
  )
}

/** Where the latest redelivery stands: queued until its first attempt is logged. */
function Redelivery({ deliveries, webhookId }: { deliveries: Delivery[]; webhookId: string | undefined }) {
  if (!webhookId) return null
  const newest = deliveries.find((d) => d.webhook_id === webhookId)
  if (!newest) return <>Redelivery queued as <span class="mono">{webhookId}</span>; its attempt appears here when it is made.</>
  return (
    <>
      Redelivered as <span class="mono">{webhookId}</span>: attempt {newest.attempt} {newest.outcome}.
    </>
  )
}

/** The current time, with a render every `ms`, so relative times age while nothing else changes. */
function useNow(ms: number): number {
  const [, setTick] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), ms)
    return () => clearInterval(timer)
  }, [ms])
  return Date.now()
}
