import { useState } from 'preact/hooks'
import { Empty, ErrorState, Loading } from '../../components/states'
import { evaluationImageHref, evaluationsApi } from '../../lib/evaluations-api'
import { useAsync } from '../../lib/use-async'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

const PAGE = 50

/** The evaluated images, most errors (FP + FN) first, each opening the image with its outcomes drawn. */
export function ErrorImages({ evaluationId, minScore }: { evaluationId: string; minScore: number }) {
  const [skip, setSkip] = useState(0)
  const images = useAsync((signal) => evaluationsApi.images(evaluationId, { skip, limit: PAGE }, signal), [evaluationId, skip])
  const d = images.data
  if (images.error) return <ErrorState error={images.error} retry={images.reload} />
  if (!d) return <Loading label="Loading images…" />
  if (d.total === 0) return <Empty title="No images were evaluated" />
  return (
    <>
      <table class={layout.table} data-testid="error-images">
        <thead>
          <tr>
            <th>Image</th>
            <th>Errors</th>
            <th>FP</th>
            <th>FN</th>
            <th>TP</th>
            <th>Ignored</th>
          </tr>
        </thead>
        <tbody>
          {d.images.map((im) => (
            <tr key={im.image_id} data-testid="error-image" data-image-id={im.image_id}>
              <td>
                <a href={evaluationImageHref(im.image_id, evaluationId, minScore)}>{im.filename}</a>
              </td>
              <td class="mono">{im.fp + im.fn}</td>
              <td class="mono">{im.fp}</td>
              <td class="mono">{im.fn}</td>
              <td class="mono">{im.tp}</td>
              <td class="mono">{im.ignored}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.total > PAGE && (
        <nav class={styles.pager} aria-label="Pages of images">
          <button type="button" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PAGE))}>
            ← Previous
          </button>
          <span>
            {skip + 1}–{Math.min(d.total, skip + PAGE)} of {d.total}
          </span>
          <button type="button" disabled={skip + PAGE >= d.total} onClick={() => setSkip(skip + PAGE)}>
            Next →
          </button>
        </nav>
      )}
    </>
  )
}
