import { useState } from 'preact/hooks'
import { DeliveryLog } from '../../components/delivery-log'
import { ErrorState, Loading } from '../../components/states'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { useDeliveries } from '../../lib/use-deliveries'
import { pipelinesApi } from './api'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/** One pipeline: disable, enable or delete it; create, list and revoke its keys and secrets. */
export default function PipelineDetail({ pipelineId }: { pipelineId: string }) {
  const pipeline = useAsync((signal) => pipelinesApi.get(pipelineId, signal), [pipelineId])
  const keys = useAsync((signal) => pipelinesApi.keys(pipelineId, signal), [pipelineId])
  const secrets = useAsync((signal) => pipelinesApi.secrets(pipelineId, signal), [pipelineId])
  const [shown, setShown] = useState<{ label: string; value: string } | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const [keyName, setKeyName] = useState('')
  const manageable = pipeline.data?.manageable ?? false
  // Only its registrant reads the endpoint's log; it is polled while a retry is due.
  const deliveries = useDeliveries('pipelines', manageable ? pipelineId : null, false)

  async function act(run: () => Promise<unknown>, reload: () => void) {
    setActionError(null)
    try {
      await run()
      reload()
    } catch (err) {
      setActionError((err as Error).message)
    }
  }

  if (pipeline.error) return <ErrorState error={pipeline.error} retry={pipeline.reload} />
  const p = pipeline.data
  if (!p) return <Loading label="Loading pipeline…" />
  return (
    <div class={layout.page}>
      <a href="/pipelines">← Pipelines</a>
      <h1>{p.name}</h1>
      <div class={layout.panel}>
        {p.description && <p>{p.description}</p>}
        <p>
          Models: <span class="mono">{p.model_names.join(', ')}</span>
        </p>
        {p.job_kinds.length > 0 && (
          <p>
            Job kinds: <span class="mono">{p.job_kinds.join(', ')}</span>
          </p>
        )}
        <p>
          Webhook: <span class="mono">{p.webhook_url ?? 'none'}</span>
          {p.webhook_disabled_at && <span class={styles.error}> (disabled after 410 Gone, {formatTime(p.webhook_disabled_at)})</span>}
        </p>
        <p class="muted">
          Created {formatTime(p.created_at)}
          {p.disabled_at && `, disabled ${formatTime(p.disabled_at)}`}
        </p>
        {p.manageable && (
          <div class={layout.row}>
            {p.disabled_at ? (
              <button type="button" onClick={() => act(() => pipelinesApi.enable(p.id), pipeline.reload)}>
                Enable
              </button>
            ) : (
              <button type="button" data-testid="pipeline-disable" onClick={() => act(() => pipelinesApi.disable(p.id), pipeline.reload)}>
                Disable
              </button>
            )}
            <button
              type="button"
              onClick={() => {
                if (confirm(`Delete ${p.name}? Its keys stop working at once.`)) {
                  act(() => pipelinesApi.remove(p.id), () => location.assign('/pipelines'))
                }
              }}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      {actionError && (
        <p class={styles.error} role="alert">
          {actionError}
        </p>
      )}
      {shown && (
        <div class={styles.secret} data-testid="shown-once">
          <strong>{shown.label}</strong> (shown once: copy it now)
          <div class="mono">{shown.value}</div>
          <button type="button" onClick={() => setShown(null)}>
            Done
          </button>
        </div>
      )}
      {p.manageable && (
        <section class={layout.panel}>
          <h2>Keys</h2>
          <div class={layout.row}>
            <input type="text" placeholder="key name, e.g. gpu-box-1" value={keyName} onInput={(e) => setKeyName(e.currentTarget.value)} />
            <button
              type="button"
              data-testid="key-create"
              onClick={() =>
                act(async () => {
                  const created = await pipelinesApi.createKey(p.id, keyName ? { name: keyName } : {})
                  setShown({ label: 'New key', value: created.key })
                  setKeyName('')
                }, keys.reload)
              }
            >
              Create key
            </button>
          </div>
          {keys.error && <ErrorState error={keys.error} retry={keys.reload} />}
          <table class={layout.table}>
            <tbody>
              {keys.data?.keys.map((k) => (
                <tr key={k.id} class={k.revoked_at ? styles.off : undefined}>
                  <td class="mono">{k.prefix}</td>
                  <td>{k.name ?? ''}</td>
                  <td>last used {k.last_used_at ? formatTime(k.last_used_at) : 'never'}</td>
                  <td>{k.expires_at ? `expires ${formatTime(k.expires_at)}` : 'no expiry'}</td>
                  <td>
                    {k.revoked_at ? (
                      `revoked ${formatTime(k.revoked_at)}`
                    ) : (
                      <button type="button" onClick={() => act(() => pipelinesApi.revokeKey(p.id, k.id), keys.reload)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {p.manageable && (
        <section class={layout.panel}>
          <h2>Secrets</h2>
          <p class="muted">Two of each purpose may be active at once, so a pipeline can move to a new secret before the old one is revoked.</p>
          <div class={layout.row}>
            {(['callback', 'webhook'] as const).map((purpose) => (
              <button
                key={purpose}
                type="button"
                onClick={() =>
                  act(async () => {
                    const created = await pipelinesApi.createSecret(p.id, purpose)
                    setShown({ label: `New ${purpose} secret`, value: created.secret })
                  }, secrets.reload)
                }
              >
                New {purpose} secret
              </button>
            ))}
          </div>
          <table class={layout.table}>
            <tbody>
              {secrets.data?.secrets.map((s) => (
                <tr key={s.id} class={s.revoked_at ? styles.off : undefined}>
                  <td class="mono">{s.prefix}</td>
                  <td>{s.purpose}</td>
                  <td>created {formatTime(s.created_at)}</td>
                  <td>
                    {s.revoked_at ? (
                      `revoked ${formatTime(s.revoked_at)}`
                    ) : (
                      <button type="button" onClick={() => act(() => pipelinesApi.revokeSecret(p.id, s.id), secrets.reload)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {p.manageable && p.webhook_url && (
        <section class={layout.panel}>
          <h2>Deliveries</h2>
          {deliveries.error ? (
            <ErrorState error={deliveries.error} retry={deliveries.reload} />
          ) : !deliveries.deliveries ? (
            <Loading label="Loading deliveries…" />
          ) : deliveries.deliveries.length === 0 ? (
            <p class="muted">Nothing has been delivered to this webhook yet.</p>
          ) : (
            <DeliveryLog deliveries={deliveries.deliveries} canRedeliver redelivered={deliveries.redelivered} onRedeliver={deliveries.redeliver} showRun />
          )}
        </section>
      )}
    </div>
  )
}
