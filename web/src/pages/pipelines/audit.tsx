import { useState } from 'preact/hooks'
import { ErrorState, Loading } from '../../components/states'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { pipelinesApi, type AuditFilters } from './api'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/** More failed signatures than this in an hour is flagged: a broken secret or an attack. */
const BURST_PER_HOUR = 20

const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined)

/** A project's audit trail (owners): filters by kind, actor and time, pages by cursor, bursts at a glance. */
export default function ProjectAudit({ projectId }: { projectId: string }) {
  const [draft, setDraft] = useState({ kind: '', actor: '', since: '', until: '' })
  const [filters, setFilters] = useState<AuditFilters>({})
  const [cursors, setCursors] = useState<number[]>([])
  const cursor = cursors.at(-1)
  const page = useAsync((signal) => pipelinesApi.audit(projectId, { ...filters, cursor, limit: 50 }, signal), [projectId, filters, cursor])
  const summary = useAsync((signal) => pipelinesApi.auditSummary(projectId, signal), [projectId])

  function apply(e: Event) {
    e.preventDefault()
    setCursors([])
    setFilters({ kind: draft.kind || undefined, actor: draft.actor || undefined, since: toIso(draft.since), until: toIso(draft.until) })
  }

  return (
    <div class={layout.page}>
      <a href={`/projects/${projectId}`}>← Project</a>
      <h1>Audit trail</h1>
      {summary.data && (
        <section class={layout.panel} data-testid="audit-summary">
          <h2>Failed signatures since {formatTime(summary.data.since)}</h2>
          {summary.data.rejected_by_pipeline.length === 0 && <p class="muted">None.</p>}
          <ul>
            {summary.data.rejected_by_pipeline.map((r) => (
              <li key={r.pipeline_id ?? 'none'}>
                {r.pipeline_id ? <a href={`/pipelines/${r.pipeline_id}`}>{r.pipeline_id.slice(0, 8)}</a> : 'no pipeline named'}: {r.count}, last {formatTime(r.last_at)}
              </li>
            ))}
          </ul>
          <div class={layout.row}>
            {summary.data.rejected_by_hour.map((h) => (
              <span key={h.hour} class={h.count > BURST_PER_HOUR ? styles.burst : 'muted'} title={`${h.hour}:00 UTC`}>
                {h.hour.slice(11)}h: {h.count}
              </span>
            ))}
          </div>
        </section>
      )}
      <form class={layout.row} onSubmit={apply}>
        <input type="text" placeholder="kind, e.g. callback.rejected" value={draft.kind} onInput={(e) => setDraft({ ...draft, kind: e.currentTarget.value })} />
        <input type="text" placeholder="actor, e.g. pipeline:<id>" value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />
        <label>
          since <input type="datetime-local" value={draft.since} onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })} />
        </label>
        <label>
          until <input type="datetime-local" value={draft.until} onInput={(e) => setDraft({ ...draft, until: e.currentTarget.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {page.error && <ErrorState error={page.error} retry={page.reload} />}
      {page.loading && !page.data && <Loading label="Loading the audit trail…" />}
      {page.data && (
        <table class={layout.table} data-testid="audit-list">
          <thead>
            <tr>
              <th>When</th>
              <th>Actor</th>
              <th>Action</th>
              <th>Target</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {page.data.entries.map((e) => (
              <tr key={e.id} class={e.action === 'callback.rejected' ? styles.error : undefined}>
                <td title={e.at}>{formatTime(e.at)}</td>
                <td class="mono">
                  {e.actor_type}
                  {e.actor_id ? `:${e.actor_id.slice(0, 8)}` : ''}
                </td>
                <td class="mono">{e.action}</td>
                <td class="mono">{e.target_type ? `${e.target_type}:${e.target_id?.slice(0, 8) ?? ''}` : ''}</td>
                <td class="mono">{e.details ? JSON.stringify(e.details) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class={layout.row}>
        <button type="button" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <button type="button" disabled={!page.data?.next_cursor} onClick={() => page.data?.next_cursor && setCursors([...cursors, page.data.next_cursor])}>
          Older
        </button>
      </div>
    </div>
  )
}
