import { useCallback, useEffect, useState } from 'preact/hooks'
import { DatasetExport } from '../../components/dataset-export'
import { ImageCard } from '../../components/image-card'
import { Empty, ErrorState, Loading } from '../../components/states'
import { api } from '../../lib/api'
import { plural } from '../../lib/format'
import type { Image } from '../../lib/types'
import { useAsync } from '../../lib/use-async'
import styles from './style.module.css'

const PAGE = 60

export default function ProjectPage({ projectId }: { projectId: string }) {
  const project = useAsync((signal) => api.project(projectId, signal), [projectId])
  const images = useImagePages(projectId)
  const list = images.list
  const total = images.total

  return (
    <div class={styles.page}>
      <nav class={styles.crumbs} aria-label="Breadcrumb">
        <a href="/">Projects</a>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{project.data?.name ?? '…'}</span>
      </nav>
      {project.error && <ErrorState error={project.error} retry={project.reload} />}
      {project.data && (
        <header class={styles.head}>
          <h1>{project.data.name}</h1>
          {project.data.description && <p class="muted">{project.data.description}</p>}
          {images.loaded && <span class="muted">{plural(total, 'image')}</span>}
          {images.loaded && total > 0 && (
            <a href={`/projects/${projectId}/dataset`} data-testid="dataset-link">
              Dataset view →
            </a>
          )}
          <a href={`/projects/${projectId}/jobs`} data-testid="jobs-link">
            Jobs →
          </a>
          <a href={`/projects/${projectId}/models`} data-testid="project-models-link">
            Model versions →
          </a>
          <a href={`/projects/${projectId}/evaluations`} data-testid="evaluations-link">
            Evaluations →
          </a>
          <a href={`/projects/${projectId}/review`} data-testid="review-queue-link">
            Review queue →
          </a>
          <a href={`/projects/${projectId}/compare`} data-testid="project-compare-link">
            Compare versions →
          </a>
          <a href={`/projects/${projectId}/dashboard`} data-testid="dashboard-link">
            Dashboard →
          </a>
        </header>
      )}
      {images.loaded && total > 0 && <DatasetExport projectId={projectId} />}
      {images.loading && !images.loaded && !project.error && <Loading label="Loading images…" />}
      {/* A bad project id fails both requests; one message says it. */}
      {images.error && !project.error && <ErrorState error={images.error} retry={images.more} />}
      {images.loaded && list.length === 0 && (
        <Empty title="No images in this project">
          Upload with <span class="mono">POST /api/projects/{projectId}/images</span>.
        </Empty>
      )}
      {list.length > 0 && (
        <ul class={styles.grid} data-testid="image-grid">
          {list.map((image) => (
            <li key={image.id}>
              <ImageCard image={image} />
            </li>
          ))}
        </ul>
      )}
      {images.loaded && list.length < total && !images.error && (
        <div class={styles.more}>
          <button type="button" onClick={images.more} disabled={images.loading}>
            {images.loading ? 'Loading…' : `Show more (${total - list.length} left)`}
          </button>
        </div>
      )}
    </div>
  )
}

/** Pages of the image list, appended as the person asks for more. */
function useImagePages(projectId: string) {
  const [state, setState] = useState<{ list: Image[]; total: number; loaded: boolean; loading: boolean; error: Error | null }>({
    list: [],
    total: 0,
    loaded: false,
    loading: true,
    error: null,
  })
  const [request, setRequest] = useState({ projectId, skip: 0 })
  if (request.projectId !== projectId) setRequest({ projectId, skip: 0 })

  useEffect(() => {
    const controller = new AbortController()
    setState((s) => ({ ...(request.skip === 0 ? { list: [], total: 0, loaded: false } : s), loading: true, error: null }))
    api.images(request.projectId, { skip: request.skip, limit: PAGE }, controller.signal).then(
      (page) =>
        setState((s) => ({
          list: request.skip === 0 ? page.images : [...s.list, ...page.images],
          total: page.total,
          loaded: true,
          loading: false,
          error: null,
        })),
      (error: Error) => !controller.signal.aborted && setState((s) => ({ ...s, loading: false, error })),
    )
    return () => controller.abort()
  }, [request])

  const more = useCallback(() => setRequest({ projectId, skip: state.list.length }), [projectId, state.list.length])
  return { ...state, more }
}
