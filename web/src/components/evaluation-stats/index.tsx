import { formatMetric } from '../../lib/evaluation-format'
import styles from './style.module.css'

/** COCO's twelve summary numbers under their names (AP, AP50 … ARl), as `summarize()` lists them. */
export function EvaluationStats({ names, stats }: { names: readonly string[]; stats: readonly number[] }) {
  return (
    <table class={styles.stats} data-testid="evaluation-stats">
      <thead>
        <tr>
          {names.map((n) => (
            <th key={n} scope="col">
              {n}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          {names.map((n, i) => (
            <td key={n} class="mono" data-stat={n} data-value={stats[i]}>
              {formatMetric(stats[i])}
            </td>
          ))}
        </tr>
      </tbody>
    </table>
  )
}
