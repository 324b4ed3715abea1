import { formatPercent, type ModelRow } from '../../lib/activity-series'
import layout from '../../styles/page.module.css'

/** Finished analyses per model version over the window, most active first (the server keeps ten). */
export function ModelTable({ rows }: { rows: ModelRow[] }) {
  return (
    <section class={layout.panel} data-testid="model-table">
      <h2>Model versions</h2>
      {rows.length === 0 ? (
        <p class="muted">No analysis finished in the window.</p>
      ) : (
        <table class={layout.table}>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Completed</th>
              <th scope="col">Failed</th>
              <th scope="col">Failure rate</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-testid="model-row" data-model={r.key}>
                <td class="mono">{r.key}</td>
                <td data-testid="model-completed">{r.completed.toLocaleString('en')}</td>
                <td data-testid="model-failed">{r.failed.toLocaleString('en')}</td>
                <td>{formatPercent(r.failureRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
