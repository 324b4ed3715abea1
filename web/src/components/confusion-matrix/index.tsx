import type { EvaluationResult } from '../../lib/evaluations-api'
import styles from './style.module.css'

export interface CellRef {
  trueClass: string
  predictedClass: string
}

interface Props {
  matrix: EvaluationResult['confusion_matrix']
  selected: CellRef | null
  onSelect: (cell: CellRef) => void
}

/**
 * Rows the true class, columns the predicted one, `background` last in both: the diagonal is what
 * was found, the background column what was missed, the background row the false alarms. Each
 * non-empty cell is a button that lists its objects; shading is by the row's share, so a rare
 * class's confusions show as clearly as a common one's.
 */
export function ConfusionMatrix({ matrix, selected, onSelect }: Props) {
  const { labels, counts } = matrix
  return (
    <div class={styles.scroll}>
      <table class={styles.matrix} data-testid="confusion-matrix">
        <caption class="muted">
          true class ↓ · predicted class → · IoU ≥ {matrix.iou_threshold}
          {matrix.min_score > 0 ? ` · score ≥ ${matrix.min_score}` : ''}
        </caption>
        <thead>
          <tr>
            <td />
            {labels.map((l) => (
              <th key={l} scope="col" class={styles.col}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((t, r) => {
            const row = counts[r] ?? []
            const total = row.reduce((a, b) => a + b, 0)
            return (
              <tr key={t}>
                <th scope="row">{t}</th>
                {labels.map((p, c) => {
                  const n = row[c] ?? 0
                  const on = selected?.trueClass === t && selected.predictedClass === p
                  const kind = t === p ? 'hit' : t === 'background' || p === 'background' ? 'background' : 'confused'
                  return (
                    <td key={p} class={styles.cell} data-kind={kind} style={{ '--share': total ? n / total : 0 }}>
                      {n > 0 ? (
                        <button
                          type="button"
                          aria-pressed={on}
                          aria-label={`${n} with true class ${t}, predicted ${p}`}
                          onClick={() => onSelect({ trueClass: t, predictedClass: p })}
                          data-testid="confusion-cell"
                          data-true={t}
                          data-predicted={p}
                          data-count={n}
                        >
                          {n}
                        </button>
                      ) : (
                        <span class="muted">·</span>
                      )}
                    </td>
                  )
                })}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
