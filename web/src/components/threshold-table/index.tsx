import { formatMetric } from '../../lib/evaluation-format'
import type { ThresholdMetrics } from '../../lib/live-threshold'
import styles from './style.module.css'

interface Props {
  metrics: ThresholdMetrics
  threshold: number
  onThreshold: (t: number) => void
}

/**
 * Precision, recall and F1 per class at a confidence threshold, with the micro (all counts summed)
 * and macro (mean of the classes) averages. The caller recomputes `metrics` in the browser on each
 * step, so the slider never waits for the server.
 */
export function ThresholdTable({ metrics, threshold, onThreshold }: Props) {
  const row = (name: string, c: { precision: number | null; recall: number | null; f1: number | null; tp?: number; fp?: number; fn?: number }, testid: string) => (
    <tr key={`${testid}-${name}`} data-testid={testid} data-class={name}>
      <th scope="row">{name}</th>
      <td class="mono" data-metric="precision">
        {formatMetric(c.precision)}
      </td>
      <td class="mono" data-metric="recall">
        {formatMetric(c.recall)}
      </td>
      <td class="mono" data-metric="f1">
        {formatMetric(c.f1)}
      </td>
      <td class="mono">{c.tp ?? ''}</td>
      <td class="mono">{c.fp ?? ''}</td>
      <td class="mono">{c.fn ?? ''}</td>
    </tr>
  )
  return (
    <div class={styles.wrap}>
      <label class={styles.slider}>
        <span>
          Confidence ≥ <output class="mono" data-testid="threshold-value">{threshold.toFixed(2)}</output>
        </span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={threshold}
          onInput={(e) => onThreshold(Number(e.currentTarget.value))}
          data-testid="threshold-slider"
          aria-valuetext={`confidence at least ${threshold.toFixed(2)}`}
        />
      </label>
      <table class={styles.table} data-testid="threshold-table">
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col">Precision</th>
            <th scope="col">Recall</th>
            <th scope="col">F1</th>
            <th scope="col">TP</th>
            <th scope="col">FP</th>
            <th scope="col">FN</th>
          </tr>
        </thead>
        <tbody>{metrics.per_class.map((c) => row(c.class_name, c, 'threshold-row'))}</tbody>
        <tfoot>
          {row('micro', metrics.overall, 'threshold-average')}
          {row('macro', metrics.macro, 'threshold-average')}
        </tfoot>
      </table>
    </div>
  )
}
