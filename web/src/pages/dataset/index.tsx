import { useLocation } from 'preact-iso'
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { DatasetCell } from '../../components/dataset-cell'
import { Empty, ErrorState, Loading } from '../../components/states'
import { api } from '../../lib/api'
import { DATASET_SORTS, facetCounts, filterImages, filtersFromQuery, filtersToQuery, RUN_FACETS, type DatasetFilters, type RunFacet } from '../../lib/dataset-filter'
import { saveTrail, trailHref } from '../../lib/dataset-trail'
import type { Image } from '../../lib/types'
import { useAsync } from '../../lib/use-async'
import { useElementSize } from '../../lib/use-element-size'
import { gridRange } from '../../lib/virtual-window'
import styles from './style.module.css'

const PAGE = 1000
const CELL_W = 200
const ROW_H = 190

const FACET_LABELS: Record<RunFacet, string> = { any: 'All', none: 'No analyses', completed: 'Completed', running: 'Running', failed: 'Failed' }
const SORT_LABELS = { newest: 'Newest', oldest: 'Oldest', name: 'Name', analyses: 'Most analyses' } as const

/**
 * A project's images as one scrollable grid with the chosen model's boxes drawn on each, filtered
 * and sorted in the browser over the whole image list. Only the rows in view are in the DOM.
 */
export default function DatasetPage({ projectId }: { projectId: string }) {
  const { query, route, path } = useLocation()
  const project = useAsync((signal) => api.project(projectId, signal), [projectId])
  const images = useAllImages(projectId)
  const filters = filtersFromQuery(query)
  const model = query.model ?? ''
  const minConfidence = Number(query.min ?? 0) || 0
  const [models, setModels] = useState<ReadonlySet<string>>(new Set())

  const setQuery = useCallback(
    (patch: Partial<DatasetFilters> & { model?: string; min?: number }) => {
      const next = { ...filters, ...patch }
      const q = new URLSearchParams(filtersToQuery(next))
      const m = patch.model ?? model
      const min = patch.min ?? minConfidence
      if (m) q.set('model', m)
      if (min > 0) q.set('min', String(min))
      const s = q.toString()
      route(`${path}${s ? `?${s}` : ''}`, true)
    },
    [filters, model, minConfidence, path, route],
  )

  const shown = useMemo(() => filterImages(images.list, filters), [images.list, filters.search, filters.runs, filters.sort])
  const counts = useMemo(() => facetCounts(images.list, filters.search), [images.list, filters.search])
  const back = `${path}${location.search}`
  useEffect(() => saveTrail({ projectId, ids: shown.map((i) => i.id), back, model }), [shown, back, model, projectId])

  const onModels = useCallback((names: string[]) => {
    setModels((s) => (names.every((n) => s.has(n)) ? s : new Set([...s, ...names])))
  }, [])

  return (
    <div class={styles.page}>
      <nav class={styles.crumbs} aria-label="Breadcrumb">
        <a href="/">Projects</a>
        <span aria-hidden="true">/</span>
        <a href={`/projects/${projectId}`}>{project.data?.name ?? '…'}</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Dataset</span>
      </nav>
      {project.error && <ErrorState error={project.error} retry={project.reload} />}
      {images.error && !project.error && <ErrorState error={images.error} retry={images.retry} />}
      <div class={styles.bar} role="search">
        <input type="search" placeholder="Search file names…" value={filters.search} onInput={(e) => setQuery({ search: e.currentTarget.value })} aria-label="Search file names" data-testid="dataset-search" />
        <fieldset class={styles.facets} data-testid="dataset-facets">
          <legend class="visually-hidden">Analyses</legend>
          {RUN_FACETS.map((f) => (
            <label key={f} class={styles.facet} data-facet={f}>
              <input type="radio" name="runs" checked={filters.runs === f} onChange={() => setQuery({ runs: f })} />
              {FACET_LABELS[f]} <span class={styles.count} data-testid={`facet-count-${f}`}>{counts[f].toLocaleString()}</span>
            </label>
          ))}
        </fieldset>
        <label>
          Sort{' '}
          <select value={filters.sort} onChange={(e) => setQuery({ sort: e.currentTarget.value as DatasetFilters['sort'] })} data-testid="dataset-sort">
            {DATASET_SORTS.map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model{' '}
          <select value={model} onChange={(e) => setQuery({ model: e.currentTarget.value })} data-testid="dataset-model">
            <option value="">Newest with results</option>
            {[...new Set([...models, ...(model ? [model] : [])])].sort().map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min confidence{' '}
          <input type="range" min={0} max={1} step={0.05} value={minConfidence} onInput={(e) => setQuery({ min: Number(e.currentTarget.value) })} data-testid="dataset-min-confidence" />
          <span class="mono">{minConfidence.toFixed(2)}</span>
        </label>
        <span class="muted" data-testid="dataset-shown" aria-live="polite">
          {shown.length.toLocaleString()} of {images.total.toLocaleString()}
          {images.loading && images.list.length < images.total ? ` (loading ${images.list.length.toLocaleString()}…)` : ''}
        </span>
      </div>
      {images.loading && images.list.length === 0 && !images.error && <Loading label="Loading images…" />}
      {!images.loading && images.total === 0 && !images.error && <Empty title="No images in this project">Upload some, then come back.</Empty>}
      {shown.length > 0 && <Grid images={shown} model={model} minConfidence={minConfidence} onModels={onModels} />}
      {!images.loading && images.total > 0 && shown.length === 0 && <Empty title="No image matches">Clear the search or pick another filter.</Empty>}
    </div>
  )
}

function Grid({ images, model, minConfidence, onModels }: { images: Image[]; model: string; minConfidence: number; onModels: (names: string[]) => void }) {
  const box = useRef<HTMLDivElement>(null)
  const size = useElementSize(box)
  const [top, setTop] = useState(0)
  const columns = Math.max(1, Math.floor(size.width / CELL_W))
  const range = gridRange(top, size.height || 800, ROW_H, columns, images.length)
  const rows = Math.ceil(images.length / columns)
  const cells = images.slice(range.start, range.end)
  return (
    <div ref={box} class={styles.scroller} onScroll={(e) => setTop(e.currentTarget.scrollTop)} data-testid="dataset-grid" tabIndex={0} aria-label="Images">
      <div class={styles.spacer} style={{ height: rows * ROW_H }}>
        {cells.map((image, k) => {
          const i = range.start + k
          const style = { top: Math.floor(i / columns) * ROW_H, left: `${((i % columns) * 100) / columns}%`, width: `${100 / columns}%`, height: ROW_H }
          return (
            <div key={image.id} class={styles.slot} style={style}>
              <DatasetCell image={image} model={model} minConfidence={minConfidence} href={trailHref(image.id, model)} onModels={onModels} />
            </div>
          )
        })}
      </div>
    </div>
  )
}

/** Every page of the project's image list, fetched one after another; the grid fills as they land. */
function useAllImages(projectId: string) {
  const [state, setState] = useState<{ list: Image[]; total: number; loading: boolean; error: Error | null }>({ list: [], total: 0, loading: true, error: null })
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    const controller = new AbortController()
    setState({ list: [], total: 0, loading: true, error: null })
    ;(async () => {
      let list: Image[] = []
      for (let skip = 0; ; skip += PAGE) {
        const page = await api.images(projectId, { skip, limit: PAGE }, controller.signal)
        list = list.concat(page.images)
        const done = page.images.length < PAGE || list.length >= page.total
        setState({ list, total: page.total, loading: !done, error: null })
        if (done) return
      }
    })().catch((error: Error) => !controller.signal.aborted && setState((s) => ({ ...s, loading: false, error })))
    return () => controller.abort()
  }, [projectId, attempt])
  return { ...state, retry: () => setAttempt((n) => n + 1) }
}
