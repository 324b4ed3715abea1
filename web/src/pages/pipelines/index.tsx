import { useState } from 'preact/hooks'
import { Empty, ErrorState, Loading } from '../../components/states'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { pipelinesApi } from './api'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

const splitList = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean)

/** Every pipeline the caller can see, and a form to register one (docs/security.md). */
export default function PipelinesPage() {
  const { data, error, loading, reload } = useAsync((signal) => pipelinesApi.list(signal), [])
  const [form, setForm] = useState({ name: '', models: '', description: '', webhook: '' })
  const [busy, setBusy] = useState(false)
  const [formError, setFormError] = useState<string | null>(null)

  async function register(e: Event) {
    e.preventDefault()
    setBusy(true)
    setFormError(null)
    try {
      const created = await pipelinesApi.create({
        name: form.name,
        model_names: splitList(form.models),
        description: form.description || null,
        webhook_url: form.webhook || null,
      })
      location.assign(`/pipelines/${created.id}`)
    } catch (err) {
      setFormError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class={layout.page}>
      <h1>Pipelines</h1>
      {loading && !data && <Loading label="Loading pipelines…" />}
      {error && <ErrorState error={error} retry={reload} />}
      {data && data.pipelines.length === 0 && <Empty title="No pipelines yet">Register one below, then create a key for it and grant it a project.</Empty>}
      {data && data.pipelines.length > 0 && (
        <table class={layout.table} data-testid="pipeline-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Models</th>
              <th>Webhook</th>
              <th>Created</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {data.pipelines.map((p) => (
              <tr key={p.id} class={p.disabled_at ? styles.off : undefined} data-testid="pipeline-item">
                <td>
                  <a href={`/pipelines/${p.id}`}>{p.name}</a>
                  {p.description && <div class="muted">{p.description}</div>}
                </td>
                <td class="mono">{p.model_names.join(', ')}</td>
                <td class="mono">{p.webhook_url ?? '—'}</td>
                <td title={p.created_at}>{formatTime(p.created_at)}</td>
                <td>{p.disabled_at ? 'disabled' : 'active'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class={`${layout.panel} ${layout.form}`} onSubmit={register} data-testid="pipeline-register">
        <h2 style={{ gridColumn: '1 / -1' }}>Register a pipeline</h2>
        <label for="pl-name">Name</label>
        <input id="pl-name" type="text" required value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        <label for="pl-models">Models</label>
        <input
          id="pl-models"
          type="text"
          required
          placeholder="yolo_v8, yolo_*"
          value={form.models}
          onInput={(e) => setForm({ ...form, models: e.currentTarget.value })}
        />
        <label for="pl-desc">Description</label>
        <input id="pl-desc" type="text" value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} />
        <label for="pl-hook">Webhook URL</label>
        <input id="pl-hook" type="text" placeholder="https://…" value={form.webhook} onInput={(e) => setForm({ ...form, webhook: e.currentTarget.value })} />
        <div class={layout.actions}>
          <button class="primary" type="submit" disabled={busy}>
            Register
          </button>
          {formError && (
            <p class={styles.error} role="alert">
              {formError}
            </p>
          )}
        </div>
      </form>
    </div>
  )
}
