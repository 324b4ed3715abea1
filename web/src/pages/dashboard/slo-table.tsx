import { Empty, ErrorState, Loading } from '../../components/states'
import { formatPercent } from '../../lib/activity-series'
import { formatTime } from '../../lib/format'
import { budgetFill, describeSlo, formatBudget, SLO_STATE_LABEL, sloState } from '../../lib/slo-status'
import type { AsyncState } from '../../lib/use-async'
import type { SloList } from '../../lib/types'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/** The deployment's SLOs as the server reports them: current value against objective, and the error budget left. */
export function SloTable({ slos }: { slos: AsyncState<SloList> }) {
  return (
    <section class={layout.panel} data-testid="slo-section">
      <h2>Service-level objectives</h2>
      <p class="muted">
        Configured for the whole deployment, not per project: each counts the analyses you can see, in every project, over its own window.
        {slos.data && ` Evaluated ${formatTime(slos.data.evaluated_at)}.`}
      </p>
      {slos.loading && !slos.data && <Loading label="Loading SLOs…" />}
      {slos.error && <ErrorState error={slos.error} retry={slos.reload} title="Could not load the SLOs" />}
      {slos.data && slos.data.slos.length === 0 && <Empty title="No SLOs configured">An operator sets them in ML_SLOS (docs/operations.md#slos).</Empty>}
      {slos.data && slos.data.slos.length > 0 && (
        <table class={layout.table}>
          <thead>
            <tr>
              <th scope="col">SLO</th>
              <th scope="col">Current</th>
              <th scope="col">Objective</th>
              <th scope="col">Error budget</th>
              <th scope="col">Analyses</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {slos.data.slos.map((s) => {
              const state = sloState(s)
              return (
                <tr key={s.name} data-testid="slo-row" data-slo={s.name} data-state={state}>
                  <td>
                    <span class="mono">{s.name}</span>
                    <div class="muted">{describeSlo(s)}</div>
                  </td>
                  <td>{formatPercent(s.current)}</td>
                  <td>{formatPercent(s.objective)}</td>
                  <td>
                    {formatBudget(s.error_budget.remaining)}
                    <div class={styles.budget} aria-hidden="true">
                      <span style={{ width: `${budgetFill(s.error_budget.remaining) * 100}%` }} data-state={state} />
                    </div>
                  </td>
                  <td class="muted">
                    {s.good} good, {s.bad} bad{s.pending ? `, ${s.pending} pending` : ''}
                  </td>
                  <td>
                    <span class={styles.state} data-state={state}>
                      {SLO_STATE_LABEL[state]}
                    </span>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
