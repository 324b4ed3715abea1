import { useLocation } from 'preact-iso'
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { AnalysisPanel } from '../../components/analysis-panel'
import { ClassificationBars } from '../../components/classification-bars'
import { DatasetNav } from '../../components/dataset-nav'
import { DeliveryLog } from '../../components/delivery-log'
import { ExportButtons } from '../../components/export-buttons'
import { HeatmapLegend, type LegendEntry } from '../../components/heatmap-legend'
import { ImageEvaluation } from '../../components/image-evaluation'
import { ImageLabels } from '../../components/image-labels'
import { JsonInspector } from '../../components/json-inspector'
import { LiveRun } from '../../components/live-run'
import { Menu } from '../../components/menu'
import { OverlayControls, VisibleCount } from '../../components/overlay-controls'
import { ReviewSection } from '../../components/review-section'
import { RunDetails } from '../../components/run-details'
import { Section } from '../../components/section'
import type { Opacities } from '../../lib/overlay-draw'
import { Empty, ErrorState, Loading } from '../../components/states'
import { Viewer, type Pane } from '../../components/viewer'
import { pickDefaultAnalysis, replaceById } from '../../lib/analysis-summary'
import { DEFAULT_SORT, type Sort } from '../../lib/annotation-order'
import { api } from '../../lib/api'
import { DEFAULT_FILTERS, type OverlayFilters } from '../../lib/filters'
import { drawnOutcomes, evaluatedAnalysis } from '../../lib/evaluation-outcomes'
import { durationBetween, formatDuration, plural } from '../../lib/format'
import { revealBox } from '../../lib/geometry'
import { isTerminal, type Analysis } from '../../lib/types'
import { useAnalysis } from '../../lib/use-analysis'
import { useAsync } from '../../lib/use-async'
import { useDeliveries } from '../../lib/use-deliveries'
import { useEvaluationOverlay } from '../../lib/use-evaluation-overlay'
import { useLiveStatuses } from '../../lib/use-live-statuses'
import { useNaturalSize } from '../../lib/use-natural-size'
import { useOverlayModel } from '../../lib/use-overlay-model'
import { useRasters } from '../../lib/use-rasters'
import { isShortcutTarget, useReview } from '../../lib/use-review'
import { createViewStore } from '../../lib/view-store'
import styles from './style.module.css'

type ViewMode = 'overlay' | 'side-by-side'

/** Shapes strong, masks and heatmaps light: together they tint the subject instead of hiding it. */
export const DEFAULT_OPACITY: Opacities = { shapes: 0.9, masks: 0.5, heatmaps: 0.4 }

/** `min_score` from the URL, as a confidence in 0..1 (anything else is no threshold). */
const clampScore = (v: string | undefined) => {
  const n = Number(v)
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0
}

/** Keyed by image, so moving to another image starts from a clean slate (view, filters, sizes). */
export default function ImagePage({ imageId }: { imageId: string }) {
  return <ImageScreen key={imageId} imageId={imageId} />
}

function ImageScreen({ imageId }: { imageId: string }) {
  const { query, route } = useLocation()
  const image = useAsync((signal) => api.image(imageId, signal), [imageId])
  const projectId = image.data?.project_id
  const project = useAsync((signal) => (projectId ? api.project(projectId, signal) : Promise.resolve(null)), [projectId])
  const analyses = useAsync((signal) => api.analyses(imageId, signal), [imageId])
  const list = analyses.data?.analyses ?? []
  // `?model=` (from the dataset grid) names the newest analysis of that model on this image.
  const named = query.analysis ? list.find((a) => a.id === query.analysis) : query.model ? list.find((a) => a.model_name === query.model) : undefined
  const unknownAnalysis = !!query.analysis && !!analyses.data && !named
  // `?evaluation=` (from an evaluation's page) shows that evaluation's outcomes; `min_score` its threshold.
  const evaluationId = query.evaluation || null
  const [showTruth, setShowTruth] = useState(!!evaluationId)
  const [filters, setFilters] = useState<OverlayFilters>(() => ({ ...DEFAULT_FILTERS, threshold: clampScore(query.min_score) }))
  const { natural, onNatural } = useNaturalSize(image.data)
  // The overlay's confidence slider is the evaluation's threshold here: moving it judges the image again, in the browser.
  const judging = useEvaluationOverlay(evaluationId, imageId, showTruth, natural, filters.threshold)
  const judgedPredictions = judging.evaluation.data ? evaluatedAnalysis(list, judging.evaluation.data.predictions) : null
  const selected = named ?? judgedPredictions ?? pickDefaultAnalysis(list) ?? null
  const session = useAnalysis(selected)
  const deliveries = useDeliveries('analyses', selected?.id ?? null, !!session.analysis && !isTerminal(session.analysis.status))

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

  const refreshedUrl = useRef(false)

  const store = useMemo(() => createViewStore(), [imageId])
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT)
  const [opacity, setOpacity] = useState<Opacities>(DEFAULT_OPACITY)
  const [overlaysHidden, setOverlaysHidden] = useState(false)
  const [mode, setMode] = useState<ViewMode>('overlay')
  const [selectedAnnotation, setSelectedAnnotation] = useState<string | null>(null)
  useEffect(() => setSelectedAnnotation(null), [selected?.id])

  const model = useOverlayModel(session.list, filters, natural, sort, judging.predictionOutcomes)
  const { rasters } = useRasters(model.scene.rasters, natural, session.artifactTick)
  const lookup = useCallback((id: string) => model.byId.get(id), [model.byId])
  const review = useReview(model.ordered, lookup, selectedAnnotation, setSelectedAnnotation, session.updateAnnotation, selected !== null)
  const current = selectedAnnotation ? model.byId.get(selectedAnnotation) : undefined
  const item = selectedAnnotation ? (model.itemOf.get(selectedAnnotation) ?? -1) : -1

  // H: a look at the bare image, as in CVAT and FiftyOne.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || !isShortcutTarget(e) || e.key.toLowerCase() !== 'h') return
      setOverlaysHidden((h) => !h)
      e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  // Stepping with the arrow keys while zoomed in should not leave the selection off screen.
  useEffect(() => {
    if (item < 0) return
    const b = model.scene.bounds
    if (Number.isNaN(b[item * 4])) return
    store.set(revealBox(store.get(), [b[item * 4]!, b[item * 4 + 1]!, b[item * 4 + 2]!, b[item * 4 + 3]!], store.viewport))
    // Keyed on the selection, not its position: live arrivals must not yank the view back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selectedAnnotation, store])

  const legend: LegendEntry[] = useMemo(
    () =>
      model.scene.rasters.flatMap((r) => {
        const placed = rasters.get(r.annotation.id)
        if (r.kind !== 'heatmap' || !placed) return []
        const declared = typeof r.annotation.data.color_map === 'string' ? r.annotation.data.color_map : null
        return [{ id: r.annotation.id, label: r.annotation.class_name ?? 'heatmap', map: placed.colorMap ?? null, declared }]
      }),
    [model.scene.rasters, rasters],
  )
  const decor = (
    <>
      <ImageLabels classifications={model.classification} colors={model.colors} selectedId={selectedAnnotation} onSelect={setSelectedAnnotation} />
      <HeatmapLegend entries={legend} />
    </>
  )
  // Ground truth is its own layer, under the predictions, so either can be read through the other.
  const truthScene = judging.truthScene
  const predictionLayer = truthScene ? 1 : 0
  const layers = useMemo(() => (truthScene ? [{ scene: truthScene }, { scene: model.scene }] : [{ scene: model.scene }]), [model.scene, truthScene])
  const drawn = useMemo(() => drawnOutcomes(truthScene ? [truthScene, model.scene] : [model.scene]), [model.scene, truthScene])
  const panes: Pane[] = useMemo(
    () =>
      mode === 'overlay'
        ? [{ layers, decor }]
        : [
            { caption: 'Original', layers: [] },
            { caption: selected ? `${selected.model_name} overlay` : 'Overlay', layers, decor },
          ],
    // `decor` is rebuilt every render; the panes only need to follow its inputs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [mode, layers, selected?.model_name, model.classification, model.colors, selectedAnnotation, legend],
  )

  if (image.error) return <ErrorState error={image.error} retry={image.reload} />
  if (!image.data) return <Loading label="Loading image…" />

  const a = session.analysis
  const terminal = !!a && isTerminal(a.status)
  const other = list.find((x) => x.id !== selected?.id)
  const canCancel = !!project.data && project.data.role !== 'viewer'
  const canRedeliver = project.data?.role === 'editor' || project.data?.role === 'owner'
  const sent = deliveries.deliveries ?? []
  const took = a ? durationBetween(a.started_at ?? a.created_at, a.completed_at) : null
  const run = a && (!terminal || session.logs.length > 0 || session.stages.length > 0) && (
    <Section key={`run-${a.id}-${terminal}`} title="Run" testid="live-run" open={!terminal} aside={terminal ? `${a.status}${took !== null ? ` in ${formatDuration(took)}` : ''}` : undefined}>
      <LiveRun analysis={a} stages={session.stages} message={session.progressMessage} connection={session.connection} logs={session.logs} />
    </Section>
  )

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
          overlaysHidden={overlaysHidden}
          selected={item >= 0 ? { layer: predictionLayer, item } : null}
          onSelect={(_, hit) => setSelectedAnnotation(hit && hit.layer === predictionLayer ? (model.scene.entries[hit.item]?.annotation.id ?? null) : null)}
          tools={
            <>
              {session.loading && selected && <span class="muted">Loading annotations… {session.list.length.toLocaleString()}</span>}
              <button type="button" aria-pressed={showTruth} onClick={() => setShowTruth((t) => !t)} data-testid="ground-truth-toggle" title="Show or hide the imported ground truth">
                Ground truth
              </button>
              <button type="button" aria-pressed={!overlaysHidden} onClick={() => setOverlaysHidden((h) => !h)} data-testid="overlays-toggle" title="Show or hide every overlay (H)">
                {overlaysHidden ? 'Overlays off' : 'Overlays on'}
              </button>
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

      <aside class={styles.sidebar} aria-label="Analysis" data-testid="sidebar">
        <header class={styles.head}>
          <nav class={styles.crumbs} aria-label="Breadcrumb" data-testid="breadcrumb">
            <a href="/">Projects</a>
            <span aria-hidden="true">/</span>
            <a href={`/projects/${image.data.project_id}`}>{project.data?.name ?? 'Project'}</a>
            <span aria-hidden="true">/</span>
          </nav>
          <DatasetNav imageId={imageId} />
          <h1 title={image.data.filename}>{image.data.filename}</h1>
          <span class={styles.sub}>
            <span class="muted">
              {natural.width || image.data.width || '?'} × {natural.height || image.data.height || '?'}
            </span>
            <span class={styles.actions}>
              {a && (
                <Menu label="Export ▾" testid="export-menu">
                  <ExportButtons analysisId={a.id} />
                </Menu>
              )}
              <button type="button" class={styles.refresh} onClick={analyses.reload} disabled={analyses.loading} data-testid="refresh-analyses" title="Look for new analyses">
                ↻ Refresh
              </button>
            </span>
          </span>
        </header>

        {unknownAnalysis && (
          <p class={styles.notice} role="alert" data-testid="unknown-analysis">
            This image has no analysis <span class="mono">{query.analysis}</span>.{' '}
            {selected ? `Showing ${selected.model_name} v${selected.model_version} instead.` : ''}
          </p>
        )}
        {evaluationId && (
          <Section title="Evaluation" testid="evaluation-section">
            <ImageEvaluation evaluation={judging.evaluation} objects={judging.objects} judged={judging.judged} drawn={drawn} minScore={filters.threshold} />
          </Section>
        )}
        {showTruth && judging.truth.data && judging.truth.data.objects.length === 0 && (
          <p class={styles.none} data-testid="no-ground-truth">
            No ground truth on this image.
          </p>
        )}
        {judging.truth.error && <ErrorState error={judging.truth.error} retry={judging.truth.reload} title="Could not load the ground truth" />}
        {analyses.error && <ErrorState error={analyses.error} retry={analyses.reload} title="Could not load analyses" />}
        {analyses.loading && !analyses.data && <Loading label="Loading analyses…" />}
        {analyses.data && list.length === 0 && <p class={styles.none}>No ML analyses for this image yet.</p>}
        {list.length > 0 && (
          <AnalysisPanel
            analyses={list}
            selectedId={selected?.id ?? null}
            onSelect={(id) => route(`/images/${imageId}?analysis=${id}`, true)}
            compareHref={other && selected ? `/images/${imageId}/compare?a=${selected.id}&b=${other.id}` : null}
            canCancel={canCancel}
            onCanceled={updateListed}
          />
        )}

        {a && (
          <>
            {a.status === 'failed' && a.error_message && (
              <pre class={styles.failed} role="alert" data-testid="analysis-error">
                {a.error_message}
              </pre>
            )}
            {!terminal && run}
            {model.classification.length > 0 && (
              <Section title="Classification" testid="classification-section">
                <ClassificationBars annotations={model.classification} colors={model.colors} selectedId={selectedAnnotation} onSelect={setSelectedAnnotation} />
              </Section>
            )}
            <Section title="Overlays" testid="overlay-controls" aside={session.list.length > 0 && <VisibleCount shown={model.visible.length} total={session.list.length} />}>
              {session.error ? (
                <ErrorState error={session.error} retry={session.retry} title="Could not load annotations" />
              ) : session.list.length === 0 ? (
                session.loading ? <Loading label="Loading annotations…" /> : <Empty title="No annotations">{terminal ? 'This analysis produced none.' : 'They will appear here as the pipeline posts them.'}</Empty>
              ) : (
                <OverlayControls
                  filters={filters}
                  onFilters={setFilters}
                  opacity={opacity}
                  onOpacity={setOpacity}
                  types={model.types}
                  classes={model.classes}
                  colors={model.colors}
                  histogram={model.histogram}
                />
              )}
            </Section>
            {session.list.length > 0 && (
              <Section title="Review" testid="review-section" aside={`${model.reviews.accepted + model.reviews.rejected} / ${model.reviews.total}`}>
                <ReviewSection
                  ordered={model.ordered}
                  counts={model.reviews}
                  colors={model.colors}
                  filters={filters}
                  onFilters={setFilters}
                  sort={sort}
                  onSort={setSort}
                  current={current}
                  onSelect={setSelectedAnnotation}
                  review={review}
                />
              </Section>
            )}
            {model.custom.length > 0 && (
              <Section title={`Custom (${model.custom.length})`} open={model.custom.length <= 5}>
                {model.custom.slice(0, 100).map((c) => (
                  <JsonInspector key={c.id} value={c.data} label={c.class_name ?? 'custom'} />
                ))}
              </Section>
            )}
            {terminal && run}
            {/* A run nobody pushed has no deliveries, and the section stays away. */}
            {(sent.length > 0 || deliveries.error) && (
              <Section key={`deliveries-${a.id}`} title="Deliveries" testid="deliveries-section" aside={plural(sent.length, 'attempt')}>
                {deliveries.error && sent.length === 0 ? (
                  <ErrorState error={deliveries.error} retry={deliveries.reload} title="Could not load the deliveries" />
                ) : (
                  <DeliveryLog deliveries={sent} canRedeliver={canRedeliver} redelivered={deliveries.redelivered} onRedeliver={deliveries.redeliver} />
                )}
              </Section>
            )}
            <Section key={`details-${a.id}`} title="Parameters and provenance" testid="run-details-section" open={false}>
              <RunDetails analysis={a} />
            </Section>
          </>
        )}
      </aside>
    </div>
  )
}
