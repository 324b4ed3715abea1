import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { DEFAULT_SORT, type Sort } from '../../lib/annotation-order'
import { api } from '../../lib/api'
import { DEFAULT_FILTERS, NO_CLASS, type OverlayFilters } from '../../lib/filters'
import { plural } from '../../lib/format'
import type { Opacities } from '../../lib/overlay-draw'
import type { ReviewQueueItem } from '../../lib/types'
import { useAnalysisById } from '../../lib/use-analysis-by-id'
import { useAsync } from '../../lib/use-async'
import { useNaturalSize } from '../../lib/use-natural-size'
import { useOverlayModel } from '../../lib/use-overlay-model'
import { useRasters } from '../../lib/use-rasters'
import { useReview } from '../../lib/use-review'
import { createViewStore } from '../../lib/view-store'
import { ReviewSection } from '../review-section'
import { Section } from '../section'
import { Empty, ErrorState, Loading } from '../states'
import { Viewer } from '../viewer'
import styles from './style.module.css'

/** Shapes strong, masks and heatmaps light, as on the image page. */
const OPACITY: Opacities = { shapes: 0.9, masks: 0.5, heatmaps: 0.4 }

/** The screen's two columns: the image, and the sidebar with the queue's controls above what is reviewed. */
export function QueueLayout({ stage, children }: { stage: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class={styles.page}>
      <div class={styles.stage}>{stage}</div>
      <aside class={styles.sidebar} aria-label="Review queue" data-testid="queue-sidebar">
        {children}
      </aside>
    </div>
  )
}

interface Props {
  item: ReviewQueueItem
  canEdit: boolean
  /** The queue's controls, above this image's review. */
  head: ComponentChildren
  /** Below it (bulk accept), given the classes of this image to suggest. */
  tail?: (classes: string[]) => ComponentChildren
  /** Bumped when something else (a bulk accept, its undo) changed reviews: the predictions are listed again. */
  refresh?: number
}

/**
 * One image of the queue, reviewed as on the image page: its predictions drawn, the list, and
 * A / R / U with the arrows (or j / k) stepping through the predictions. Keyed by analysis in the
 * parent, so every image starts from a clean view and selection.
 */
export function QueueReview({ item, canEdit, head, tail, refresh = 0 }: Props) {
  const image = useAsync((signal) => api.image(item.image_id, signal), [item.image_id])
  const session = useAnalysisById(item.analysis_id)
  const { natural, onNatural } = useNaturalSize(image.data)
  const refreshedUrl = useRef(false)
  const store = useMemo(() => createViewStore(), [])
  const [filters, setFilters] = useState<OverlayFilters>(DEFAULT_FILTERS)
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT)
  const [selectedId, setSelectedId] = useState<string | null>(null)

  const listed = useRef(refresh)
  const { retry } = session
  useEffect(() => {
    if (listed.current === refresh) return
    listed.current = refresh
    retry()
  }, [refresh, retry])

  const model = useOverlayModel(session.list, filters, natural, sort)
  const { rasters } = useRasters(model.scene.rasters, natural, session.artifactTick)
  const lookup = useCallback((id: string) => model.byId.get(id), [model.byId])
  // Viewers look only: no keys, and the decision buttons stay disabled (the server would refuse them).
  const controls = useReview(model.ordered, lookup, selectedId, setSelectedId, session.updateAnnotation, canEdit)
  const review = canEdit ? controls : { ...controls, pending: true }

  // The queue is for deciding, so the first prediction is selected and A or R acts at once.
  const first = model.ordered[0]?.id ?? null
  useEffect(() => {
    if (selectedId === null && first !== null) setSelectedId(first)
    // Only when the list first arrives; a person's deselection must stay.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [first])

  const current = selectedId ? model.byId.get(selectedId) : undefined
  const at = selectedId ? (model.itemOf.get(selectedId) ?? -1) : -1
  const layers = useMemo(() => [{ scene: model.scene }], [model.scene])
  const panes = useMemo(() => [{ layers }], [layers])

  const stage = image.error ? (
    <ErrorState error={image.error} retry={image.reload} title="Could not load the image" />
  ) : !image.data ? (
    <Loading label="Loading image…" />
  ) : (
    <Viewer
      label={image.data.filename}
      imageUrl={image.data.url ?? null}
      natural={natural}
      onNatural={onNatural}
      onImageError={() => {
        // Image URLs are short-lived; fetch a fresh one once.
        if (refreshedUrl.current) return
        refreshedUrl.current = true
        image.reload()
      }}
      store={store}
      panes={panes}
      rasters={rasters}
      opacity={OPACITY}
      selected={at >= 0 ? { layer: 0, item: at } : null}
      onSelect={(_, hit) => setSelectedId(hit ? (model.scene.entries[hit.item]?.annotation.id ?? null) : null)}
      tools={session.loading && <span class="muted">Loading predictions… {session.list.length.toLocaleString()}</span>}
    />
  )

  return (
    <QueueLayout stage={stage}>
      {head}
      <div class={styles.facts} data-testid="queue-item" data-image-id={item.image_id} data-analysis-id={item.analysis_id}>
        <a href={`/images/${item.image_id}?analysis=${item.analysis_id}`} class={styles.filename} title={item.filename} data-testid="queue-filename">
          {item.filename}
        </a>
        <span class="muted">
          {item.unreviewed.toLocaleString()} unreviewed · {item.uncertain.toLocaleString()} uncertain
          {item.disagreements !== null && ` · ${plural(item.disagreements, 'disagreement')}`} · priority {item.priority.toFixed(2)}
        </span>
      </div>
      <Section title="Review" testid="review-section" aside={`${model.reviews.accepted + model.reviews.rejected} / ${model.reviews.total}`}>
        {session.error ? (
          <ErrorState error={session.error} retry={session.retry} title="Could not load the predictions" />
        ) : session.list.length === 0 ? (
          session.loading ? <Loading label="Loading predictions…" /> : <Empty title="No predictions on this image" />
        ) : (
          <ReviewSection
            ordered={model.ordered}
            counts={model.reviews}
            colors={model.colors}
            filters={filters}
            onFilters={setFilters}
            sort={sort}
            onSort={setSort}
            current={current}
            onSelect={setSelectedId}
            review={review}
          />
        )}
      </Section>
      {tail?.(model.classes.map((c) => c.name).filter((n) => n !== NO_CLASS))}
    </QueueLayout>
  )
}
