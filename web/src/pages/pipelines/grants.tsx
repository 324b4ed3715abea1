import { useState } from 'preact/hooks'
import { ErrorState, Loading } from '../../components/states'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { pipelinesApi } from './api'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/** The pipelines a project grants (owners): grant one more, or take a grant back. */
export default function ProjectGrants({ projectId }: { projectId: string }) {
  const grants = useAsync((signal) => pipelinesApi.grants(projectId, signal), [projectId])
  const pipelines = useAsync((signal) => pipelinesApi.list(signal), [])
  const [choice, setChoice] = useState('')
  const [actionError, setActionError] = useState<string | null>(null)

  async function act(run: () => Promise<unknown>) {
    setActionError(null)
    try {
      await run()
      grants.reload()
    } catch (err) {
      setActionError((err as Error).message)
    }
  }

  const granted = new Set(grants.data?.grants.map((g) => g.pipeline_id))
  const grantable = pipelines.data?.pipelines.filter((p) => !granted.has(p.id) && !p.disabled_at) ?? []
  return (
    <div class={layout.page}>
      <a href={`/projects/${projectId}`}>← Project</a>
      <h1>Pipelines with access</h1>
      <p class="muted">
        A granted pipeline may create analyses for its models on this project's images and report on its own analyses; it cannot see members, review or export.{' '}
        <a href={`/projects/${projectId}/audit`}>Audit trail</a>
      </p>
      {grants.error && <ErrorState error={grants.error} retry={grants.reload} />}
      {!grants.data && !grants.error && <Loading label="Loading grants…" />}
      {grants.data && (
        <table class={layout.table} data-testid="grant-list">
          <tbody>
            {grants.data.grants.length === 0 && (
              <tr>
                <td class="muted">No pipeline has access yet.</td>
              </tr>
            )}
            {grants.data.grants.map((g) => (
              <tr key={g.pipeline_id}>
                <td>
                  <a href={`/pipelines/${g.pipeline_id}`}>{g.pipeline_name}</a>
                </td>
                <td>granted {formatTime(g.created_at)}</td>
                <td>
                  <button type="button" onClick={() => act(() => pipelinesApi.revokeGrant(projectId, g.pipeline_id))}>
                    Remove access
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class={layout.row}>
        <select value={choice} onChange={(e) => setChoice(e.currentTarget.value)} aria-label="Pipeline to grant">
          <option value="">Choose a pipeline…</option>
          {grantable.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <button type="button" class="primary" disabled={!choice} onClick={() => act(() => pipelinesApi.grant(projectId, choice).then(() => setChoice('')))}>
          Grant access
        </button>
      </div>
      {actionError && (
        <p class={styles.error} role="alert">
          {actionError}
        </p>
      )}
    </div>
  )
}
