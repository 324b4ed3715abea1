import { useLocation } from 'preact-iso'
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { AnalysisPanel } from '../../components/analysis-panel'
import { AnnotationDetail } from '../../components/annotation-detail'
import { ClassificationBars } from '../../components/classification-bars'
import { ExportButtons } from '../../components/export-buttons'
import { JsonInspector } from '../../components/json-inspector'
import { LiveRun } from '../../components/live-run'
import { OverlayControls } from '../../components/overlay-controls'
import { ReviewPanel } from '../../components/review-panel'
import { Section } from '../../components/section'
import { Empty, ErrorState, Loading } from '../../components/states'
import { Viewer, type Pane } from '../../components/viewer'
import { pickDefaultAnalysis, replaceById } from '../../lib/analysis-summary'
import { api } from '../../lib/api'
import { DEFAULT_FILTERS, type OverlayFilters } from '../../lib/filters'
import { revealBox } from '../../lib/geometry'
import { TERMINAL_STATUSES, type Analysis } from '../../lib/types'
import { useAnalysis } from '../../lib/use-analysis'
import { useAsync } from '../../lib/use-async'
import { useNaturalSize } from '../../lib/use-natural-size'
import { useLiveStatuses } from '../../lib/use-live-statuses'
import { useOverlayModel } from '../../lib/use-overlay-model'
import { useRasters } from '../../lib/use-rasters'
import { useReview } from '../../lib/use-review'
import { createViewStore } from '../../lib/view-store'
import styles from './style.module.css'

type ViewMode = 'overlay' | 'side-by-side'

/** Keyed by image, so moving to another image starts from a clean slate (view, filters, sizes). */
export default function ImagePage({ imageId }: { imageId: string }) {
  return <ImageScreen key={imageId} imageId={imageId} />
}

function ImageScreen({ imageId }: { imageId: string }) {
  const { query, route } = useLocation()
  const image = useAsync((signal) => api.image(imageId, signal), [imageId])
  const analyses = useAsync((signal) => api.analyses(imageId, signal), [imageId])
  const list = analyses.data?.analyses ?? []
  const selected = (query.analysis ? list.find((a) => a.id === query.analysis) : pickDefaultAnalysis(list)) ?? null
  const session = useAnalysis(selected)

  const updateListed = useCallback((a: Analysis) => analyses.setData((d) => d && { ...d, analyses: replaceById(d.analyses, a) }), [analyses.setData])
  useEffect(() => {
    if (session.analysis) updateListed(session.analysis)
  }, [session.analysis, updateListed])
  useLiveStatuses(list, selected?.id ?? null, updateListed)
  // No image-level stream exists, so new analyses show up when the tab comes back into view.
  useEffect(() => {
    const onVisible = () => document.visibilityState === 'visible' && analyses.reload()
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [analyses.reload])

  const { natural, onNatural } = useNaturalSize(image.data)
  const refreshedUrl = useRef(false)

  const store = useMemo(() => createViewStore(), [imageId])
  const [filters, setFilters] = useState<OverlayFilters>(DEFAULT_FILTERS)
  const [opacity, setOpacity] = useState(0.8)
  const [mode, setMode] = useState<ViewMode>('overlay')
  const [selectedAnnotation, setSelectedAnnotation] = useState<string | null>(null)
  useEffect(() => setSelectedAnnotation(null), [selected?.id])

  const model = useOverlayModel(session.list, filters, natural)
  const { rasters } = useRasters(model.scene.rasters, natural, session.artifactTick)
  const lookup = useCallback((id: string) => model.byId.get(id), [model.byId])
  const review = useReview(model.visible, lookup, selectedAnnotation, setSelectedAnnotation, session.updateAnnotation, selected !== null)
  const current = selectedAnnotation ? model.byId.get(selectedAnnotation) : undefined
  const item = selectedAnnotation ? (model.itemOf.get(selectedAnnotation) ?? -1) : -1

  // Stepping with the arrow keys while zoomed in should not leave the selection off screen.
  useEffect(() => {
    if (item < 0) return
    const b = model.scene.bounds
    if (Number.isNaN(b[item * 4])) return
    store.set(revealBox(store.get(), [b[item * 4]!, b[item * 4 + 1]!, b[item * 4 + 2]!, b[item * 4 + 3]!], store.viewport))
    // Keyed on the selection, not its position: live arrivals must not yank the view back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedAnnotation, store])

  const layers = useMemo(() => [{ scene: model.scene }], [model.scene])
  const panes: Pane[] = useMemo(
    () => (mode === 'overlay' ? [{ layers }] : [{ caption: 'Original', layers: [] }, { caption: selected ? `${selected.model_name} overlay` : 'Overlay', layers }]),
    [mode, layers, selected?.model_name],
  )

  if (image.error) return <ErrorState error={image.error} retry={image.reload} />
  if (!image.data) return <Loading label="Loading image…" />

  const a = session.analysis
  const other = list.find((x) => x.id !== selected?.id)
  const position = item >= 0 ? `${item + 1} / ${model.visible.length}` : `– / ${model.visible.length}`

  return (
    <div class={styles.page}>
      <div class={styles.stage}>
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
          opacity={opacity}
          selected={item >= 0 ? { layer: 0, item } : null}
          onSelect={(_, hit) => setSelectedAnnotation(hit ? (model.scene.entries[hit.item]?.annotation.id ?? null) : null)}
          tools={
            <>
              {session.loading && selected && <span class="muted">Loading annotations… {session.list.length.toLocaleString()}</span>}
              <label>
                <span class="visually-hidden">View</span>
                <select value={mode} onChange={(e) => setMode(e.currentTarget.value as ViewMode)} data-testid="view-mode">
                  <option value="overlay">Overlay</option>
                  <option value="side-by-side">Side by side</option>
                </select>
              </label>
            </>
          }
        />
      </div>

      <aside class={styles.sidebar} aria-label="Analysis">
        <header class={styles.head}>
          <nav class={styles.crumbs} aria-label="Breadcrumb">
            <a href={`/projects/${image.data.project_id}`}>Project</a>
            <span aria-hidden="true">/</span>
          </nav>
          <h1 title={image.data.filename}>{image.data.filename}</h1>
          <span class={styles.sub}>
            <span class="muted">
              {natural.width || image.data.width || '?'} × {natural.height || image.data.height || '?'}
            </span>
            <button type="button" class={styles.refresh} onClick={analyses.reload} disabled={analyses.loading} data-testid="refresh-analyses" title="Look for new analyses">
              ↻ Refresh
            </button>
          </span>
        </header>

        {analyses.error && <ErrorState error={analyses.error} retry={analyses.reload} title="Could not load analyses" />}
        {analyses.loading && !analyses.data && <Loading label="Loading analyses…" />}
        {analyses.data && list.length === 0 && <p class={styles.none}>No ML analyses for this image yet.</p>}
        {list.length > 0 && (
          <AnalysisPanel
            analyses={list}
            selectedId={selected?.id ?? null}
            onSelect={(id) => route(`/images/${imageId}?analysis=${id}`, true)}
            compareHref={other && selected ? `/images/${imageId}/compare?a=${selected.id}&b=${other.id}` : null}
          />
        )}

        {a && (
          <>
            {(!TERMINAL_STATUSES.has(a.status) || session.logs.length > 0 || session.stages.length > 0) && (
              <Section title="Run" testid="live-run">
                <LiveRun analysis={a} stages={session.stages} message={session.progressMessage} connection={session.connection} logs={session.logs} />
              </Section>
            )}
            {a.status === 'failed' && a.error_message && (
              <p class={styles.failed} role="alert">
                {a.error_message}
              </p>
            )}
            <Section title="Overlays" testid="overlay-controls">
              {session.error ? (
                <ErrorState error={session.error} retry={session.retry} title="Could not load annotations" />
              ) : session.list.length === 0 ? (
                session.loading ? <Loading label="Loading annotations…" /> : <Empty title="No annotations">{TERMINAL_STATUSES.has(a.status) ? 'This analysis produced none.' : 'They will appear here as the pipeline posts them.'}</Empty>
              ) : (
                <OverlayControls
                  filters={filters}
                  onFilters={setFilters}
                  opacity={opacity}
                  onOpacity={setOpacity}
                  types={model.types}
                  classes={model.classes}
                  histogram={model.histogram}
                  shown={model.visible.length}
                  total={session.list.length}
                />
              )}
            </Section>
            {model.classification.length > 0 && (
              <Section title="Classification">
                <ClassificationBars annotations={model.classification} onSelect={setSelectedAnnotation} />
              </Section>
            )}
            {session.list.length > 0 && (
              <Section title="Review" testid="review-section">
                <ReviewPanel
                  counts={model.reviews}
                  filter={filters.review}
                  onFilter={(r) => setFilters((f) => ({ ...f, review: r }))}
                  onPrevious={review.previous}
                  onNext={review.next}
                  position={position}
                  error={review.error}
                />
                <div class={styles.detail}>
                  {current ? (
                    <AnnotationDetail annotation={current} onReview={(state, note) => review.review(current, state, note)} onClose={() => setSelectedAnnotation(null)} pending={review.pending} />
                  ) : (
                    <p class="muted">Click an overlay, or press → to step through them.</p>
                  )}
                </div>
              </Section>
            )}
            {model.custom.length > 0 && (
              <Section title={`Custom (${model.custom.length})`} open={model.custom.length <= 5}>
                {model.custom.slice(0, 100).map((c) => (
                  <JsonInspector key={c.id} value={c.data} label={c.class_name ?? 'custom'} />
                ))}
              </Section>
            )}
            <Section title="Export" testid="export">
              <ExportButtons analysisId={a.id} />
            </Section>
          </>
        )}
      </aside>
    </div>
  )
}
