import { useMemo, useRef, useState } from 'preact/hooks'
import { api } from '../../lib/api'
import { countOutcomes, OUTCOME_STYLE, OUTCOMES, pairScenes } from '../../lib/compare-pairs'
import { buildScene } from '../../lib/overlay-scene'
import { reviewApi } from '../../lib/project-review-api'
import type { ComparedImage, CompareOutcome } from '../../lib/types'
import { useAnalysisById } from '../../lib/use-analysis-by-id'
import { useAsync } from '../../lib/use-async'
import { useNaturalSize } from '../../lib/use-natural-size'
import { createViewStore } from '../../lib/view-store'
import { ErrorState, Loading } from '../states'
import { Viewer, type Pane } from '../viewer'
import styles from './style.module.css'

type Mode = 'side-by-side' | 'overlay'
const NO_RASTERS = new Map()
const FULL_OPACITY = { shapes: 1, masks: 1, heatmaps: 1 }

interface Props {
  projectId: string
  a: string
  b: string
  iou: number
  image: ComparedImage
}

/**
 * One image of the comparison: A and B with the server's pairing drawn, an outcome per colour
 * (A solid, B dashed), and the pairs listed. Keyed by image in the parent.
 */
export function PairView({ projectId, a, b, iou, image }: Props) {
  const detail = useAsync((signal) => reviewApi.compare(projectId, { a, b, iou, image_id: image.image_id }, { skip: 0, limit: 1 }, signal), [projectId, a, b, iou, image.image_id])
  const record = useAsync((signal) => api.image(image.image_id, signal), [image.image_id])
  const A = useAnalysisById(image.a_analysis_id, { live: false })
  const B = useAnalysisById(image.b_analysis_id, { live: false })
  const { natural, onNatural } = useNaturalSize(record.data)
  const refreshedUrl = useRef(false)
  const store = useMemo(() => createViewStore(), [])
  const [mode, setMode] = useState<Mode>('side-by-side')
  const [shown, setShown] = useState<ReadonlySet<CompareOutcome>>(new Set(OUTCOMES))

  const pairs = detail.data?.pairs ?? []
  const byIdA = useMemo(() => new Map(A.list.map((x) => [x.id, x])), [A.list])
  const byIdB = useMemo(() => new Map(B.list.map((x) => [x.id, x])), [B.list])
  const entries = useMemo(() => pairScenes(pairs, byIdA, byIdB, shown), [pairs, byIdA, byIdB, shown])
  const scenes = useMemo(() => ({ a: buildScene(entries.a, natural), b: buildScene(entries.b, natural) }), [entries, natural.width, natural.height])
  const counts = useMemo(() => countOutcomes(pairs), [pairs])

  const panes: Pane[] =
    mode === 'overlay'
      ? [{ layers: [{ scene: scenes.a }, { scene: scenes.b }] }]
      : [
          { caption: `A: ${a}`, layers: [{ scene: scenes.a }] },
          { caption: `B: ${b}`, layers: [{ scene: scenes.b }] },
        ]
  const toggle = (o: CompareOutcome) =>
    setShown((s) => {
      const next = new Set(s)
      if (!next.delete(o)) next.add(o)
      return next
    })

  const failed = detail.error ?? record.error ?? A.error ?? B.error
  return (
    <div class={styles.view} data-testid="pair-view" data-image-id={image.image_id}>
      <div class={styles.stage}>
        {record.data ? (
          <Viewer
            label={`${a} and ${b} on ${record.data.filename}`}
            imageUrl={record.data.url ?? null}
            natural={natural}
            onNatural={onNatural}
            onImageError={() => {
              if (refreshedUrl.current) return
              refreshedUrl.current = true
              record.reload()
            }}
            store={store}
            panes={panes}
            rasters={NO_RASTERS}
            opacity={FULL_OPACITY}
            tools={
              <label>
                <span class="visually-hidden">Compare view</span>
                <select value={mode} onChange={(e) => setMode(e.currentTarget.value as Mode)} data-testid="pair-mode">
                  <option value="side-by-side">Side by side</option>
                  <option value="overlay">Overlay</option>
                </select>
              </label>
            }
          />
        ) : (
          !record.error && <Loading label="Loading image…" />
        )}
      </div>
      <div class={styles.side}>
        <h2 title={image.filename}>{image.filename}</h2>
        <a href={`/images/${image.image_id}/compare?a=${image.a_analysis_id}&b=${image.b_analysis_id}`} data-testid="pair-open-compare">
          Open in the image compare view →
        </a>
        {failed && <ErrorState error={failed} retry={detail.error ? detail.reload : record.error ? record.reload : A.error ? A.retry : B.retry} title="Could not load this image's comparison" />}
        <ul class={styles.legend}>
          {OUTCOMES.map((o) => (
            <li key={o}>
              <label class={styles.outcome}>
                <input type="checkbox" checked={shown.has(o)} onChange={() => toggle(o)} data-testid={`pair-show-${o}`} />
                <span class={styles.key} style={{ borderColor: OUTCOME_STYLE[o].color }} aria-hidden="true" />
                {OUTCOME_STYLE[o].label}
                <strong data-testid={`pair-count-${o}`}>{detail.data ? counts[o] : '…'}</strong>
              </label>
            </li>
          ))}
        </ul>
        <p class="muted">A solid, B dashed. {(detail.loading || A.loading || B.loading) && 'Loading…'}</p>
        {pairs.length > 0 && (
          <table class={styles.pairs} data-testid="pair-table">
            <thead>
              <tr>
                <th scope="col">Outcome</th>
                <th scope="col">Type</th>
                <th scope="col">A</th>
                <th scope="col">B</th>
                <th scope="col">IoU</th>
              </tr>
            </thead>
            <tbody>
              {pairs.map((p, i) => (
                <tr key={`${p.a_id}:${p.b_id}:${i}`} data-testid="pair-row" data-outcome={p.outcome} data-a-id={p.a_id ?? ''} data-b-id={p.b_id ?? ''}>
                  <td>
                    <span class={styles.key} style={{ borderColor: OUTCOME_STYLE[p.outcome].color }} aria-hidden="true" /> {OUTCOME_STYLE[p.outcome].label}
                  </td>
                  <td class="mono">{p.annotation_type}</td>
                  <td>{p.a_class ?? (p.a_id ? '—' : '')}</td>
                  <td>{p.b_class ?? (p.b_id ? '—' : '')}</td>
                  <td class="mono">{p.iou === null ? '' : p.iou.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {entries.missing > 0 && !A.loading && !B.loading && <p class="muted">{entries.missing} paired objects could not be found among the analyses' annotations.</p>}
      </div>
    </div>
  )
}
