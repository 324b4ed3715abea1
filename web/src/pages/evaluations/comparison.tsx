import { ErrorState, Loading } from '../../components/states'
import { formatDelta, formatMetric } from '../../lib/evaluation-format'
import { evaluationsApi, judgedLabel } from '../../lib/evaluations-api'
import { useAsync } from '../../lib/use-async'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

const sign = (d: number | null) => (d === null || d === 0 ? 'same' : d > 0 ? 'up' : 'down')

/** Two evaluations side by side: every stat and per-class AP with the difference, and why they may not compare. */
export function Comparison({ a, b }: { a: string; b: string }) {
  const cmp = useAsync((signal) => evaluationsApi.compare(a, b, signal), [a, b])
  if (cmp.error) return <ErrorState error={cmp.error} retry={cmp.reload} title="Could not compare them" />
  if (!cmp.data) return <Loading label="Comparing…" />
  const { stats, per_class, warnings } = cmp.data
  const head = (
    <tr>
      <th />
      <th class="mono">A: {cmp.data.a.name ?? judgedLabel(cmp.data.a.predictions)}</th>
      <th class="mono">B: {cmp.data.b.name ?? judgedLabel(cmp.data.b.predictions)}</th>
      <th>B − A</th>
    </tr>
  )
  return (
    <section class={layout.panel} data-testid="evaluation-comparison">
      <h2>Side by side</h2>
      {warnings.length > 0 && (
        <ul class={styles.warnings} data-testid="comparison-warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <div class={styles.columns}>
        <table class={layout.table}>
          <thead>{head}</thead>
          <tbody>
            {stats.map((s) => (
              <tr key={s.name} data-testid="comparison-stat" data-stat={s.name}>
                <th scope="row">{s.name}</th>
                <td class="mono">{formatMetric(s.a)}</td>
                <td class="mono">{formatMetric(s.b)}</td>
                <td class={`mono ${styles.delta}`} data-sign={sign(s.delta)}>
                  {formatDelta(s.delta)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class={layout.table}>
          <thead>{head}</thead>
          <tbody>
            {per_class.map((c) => (
              <tr key={c.class_name} data-testid="comparison-class" data-class={c.class_name}>
                <th scope="row">AP {c.class_name}</th>
                <td class="mono">{formatMetric(c.a?.ap)}</td>
                <td class="mono">{formatMetric(c.b?.ap)}</td>
                <td class={`mono ${styles.delta}`} data-sign={sign(c.delta_ap)}>
                  {formatDelta(c.delta_ap)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
