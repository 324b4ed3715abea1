import { barPercent, formatMetric } from '../../lib/evaluation-format'
import type { EvaluationResult } from '../../lib/evaluations-api'
import styles from './style.module.css'

const BARS = [
  { key: 'ap', label: 'AP' },
  { key: 'ap50', label: 'AP50' },
  { key: 'ap75', label: 'AP75' },
] as const

/** Per class AP, AP50 and AP75 as bars, in the evaluation's class order; -1 (no ground truth) draws none. */
export function ApBars({ perClass }: { perClass: EvaluationResult['per_class'] }) {
  return (
    <div class={styles.bars} data-testid="ap-bars">
      <div class={styles.key} aria-hidden="true">
        {BARS.map((b) => (
          <span key={b.key}>
            <i class={styles[b.key]} /> {b.label}
          </span>
        ))}
      </div>
      <table class={styles.table}>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">GT</th>
            <th scope="col">Det.</th>
            <th scope="col">AP · AP50 · AP75</th>
          </tr>
        </thead>
        <tbody>
          {perClass.map((c) => (
            <tr key={c.class_name} data-testid="ap-bar" data-class={c.class_name}>
              <th scope="row">{c.class_name}</th>
              <td class="mono">{c.gt_count}</td>
              <td class="mono">{c.dt_count}</td>
              <td>
                {BARS.map((b) => (
                  <div key={b.key} class={styles.bar} title={`${b.label} ${formatMetric(c[b.key])}`}>
                    <span class={styles.track}>
                      <span class={styles[b.key]} style={{ width: `${barPercent(c[b.key])}%` }} />
                    </span>
                    <span class={`mono ${styles.value}`} data-metric={b.key}>
                      {formatMetric(c[b.key])}
                    </span>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
