import { OUTCOME_STYLE, OUTCOMES, typeRows } from '../../lib/compare-pairs'
import type { CompareTally, ProjectComparison } from '../../lib/types'
import styles from './style.module.css'

/** Counts of one tally in the outcomes' order, each with the colour it is drawn in. */
function TallyCells({ tally, testid }: { tally: CompareTally; testid?: string }) {
  return (
    <>
      {OUTCOMES.map((o) => (
        <td key={o} class={styles.num} data-testid={testid && `${testid}-${o}`}>
          {tally[o].toLocaleString()}
        </td>
      ))}
    </>
  )
}

/** The project-wide numbers of a comparison: totals and by type, and which classes turned into which. */
export function CompareTallies({ comparison }: { comparison: ProjectComparison }) {
  const rows = typeRows(comparison.by_type)
  return (
    <div class={styles.tallies}>
      <table class={styles.table} data-testid="compare-totals">
        <caption class="visually-hidden">Objects by outcome, in total and by annotation type</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            {OUTCOMES.map((o) => (
              <th key={o} scope="col" class={styles.num}>
                <span class={styles.swatch} style={{ borderColor: OUTCOME_STYLE[o].color }} aria-hidden="true" />
                {OUTCOME_STYLE[o].label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr class={styles.total}>
            <th scope="row">All</th>
            <TallyCells tally={comparison.totals} testid="total" />
          </tr>
          {rows.map(([type, tally]) => (
            <tr key={type} data-testid="type-row" data-type={type}>
              <th scope="row" class="mono">
                {type}
              </th>
              <TallyCells tally={tally} />
            </tr>
          ))}
        </tbody>
      </table>

      <div>
        <h2>Class changes</h2>
        {comparison.class_changes.length === 0 ? (
          <p class="muted" data-testid="no-class-changes">
            No object changed class between the two versions.
          </p>
        ) : (
          <table class={styles.table} data-testid="class-changes">
            <thead>
              <tr>
                <th scope="col">In A</th>
                <th scope="col" aria-label="became" />
                <th scope="col">In B</th>
                <th scope="col" class={styles.num}>
                  Objects
                </th>
              </tr>
            </thead>
            <tbody>
              {comparison.class_changes.map((c) => (
                <tr key={`${c.a_class}\u0000${c.b_class}`} data-testid="class-change-row" data-change={`${c.a_class}→${c.b_class}`}>
                  <td>{c.a_class}</td>
                  <td aria-hidden="true">→</td>
                  <td>{c.b_class}</td>
                  <td class={styles.num}>{c.count.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  )
}
