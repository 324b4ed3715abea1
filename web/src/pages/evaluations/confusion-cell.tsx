import { useState } from 'preact/hooks'
import type { CellRef } from '../../components/confusion-matrix'
import { ObjectThumbnail } from '../../components/object-thumbnail'
import { Empty, ErrorState, Loading } from '../../components/states'
import { evaluationImageHref, evaluationsApi, type Evaluation } from '../../lib/evaluations-api'
import { plural } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import styles from './style.module.css'

const describe = ({ trueClass: t, predictedClass: p }: CellRef) =>
  t === p ? `${t} found as ${t}` : p === 'background' ? `${t} missed` : t === 'background' ? `false alarms of ${p}` : `${t} taken for ${p}`

/** The objects of one confusion-matrix cell as thumbnails, 500 a page as the server pages them. */
export function ConfusionCell({ evaluation, cell, minScore }: { evaluation: Evaluation; cell: CellRef; minScore: number }) {
  const [page, setPage] = useState(0)
  const data = useAsync((signal) => evaluationsApi.cell(evaluation.id, { ...cell, page }, signal), [evaluation.id, cell.trueClass, cell.predictedClass, page])
  const c = data.data
  return (
    <div class={styles.cell} data-testid="confusion-objects" data-true={cell.trueClass} data-predicted={cell.predictedClass}>
      <h3>
        {describe(cell)} {c && <span class="muted">({plural(c.count, 'object')})</span>}
      </h3>
      {data.error && <ErrorState error={data.error} retry={data.reload} />}
      {data.loading && <Loading label="Loading the cell’s objects…" />}
      {c && !data.loading && c.objects.length === 0 && <Empty title="Nothing in this cell" />}
      {c && !data.loading && (
        <div class={styles.grid}>
          {c.objects.map((o) => (
            <ObjectThumbnail key={o.id} object={o} evaluation={evaluation} href={evaluationImageHref(o.image_id, evaluation.id, minScore)} />
          ))}
        </div>
      )}
      {c && c.pages > 1 && (
        <nav class={styles.pager} aria-label="Pages of the cell">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            ← Previous
          </button>
          <span>
            page {page + 1} of {c.pages}
          </span>
          <button type="button" disabled={page + 1 >= c.pages} onClick={() => setPage(page + 1)}>
            Next →
          </button>
        </nav>
      )}
    </div>
  )
}
