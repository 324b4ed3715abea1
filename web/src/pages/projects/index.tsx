import { Empty, ErrorState, Loading } from '../../components/states'
import { api } from '../../lib/api'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import styles from './style.module.css'

export default function Projects() {
  const { data, error, loading, reload } = useAsync((signal) => api.projects(signal), [])
  return (
    <div class={styles.page}>
      <h1>Projects</h1>
      {loading && !data && <Loading label="Loading projects…" />}
      {error && <ErrorState error={error} retry={reload} />}
      {data && data.projects.length === 0 && (
        <Empty title="No projects yet">
          Create one with <span class="mono">POST /api/projects</span> or <span class="mono">npm run admin</span>, then upload images.
        </Empty>
      )}
      {data && data.projects.length > 0 && (
        <ul class={styles.list} data-testid="project-list">
          {data.projects.map((p) => (
            <li key={p.id}>
              <a class={styles.card} href={`/projects/${p.id}`} data-testid="project-item">
                <strong>{p.name}</strong>
                {p.description && <span class="muted">{p.description}</span>}
                <span class={styles.meta}>
                  <span class={styles.role}>{p.role}</span>
                  <span class="muted" title={p.created_at}>
                    created {formatTime(p.created_at)}
                  </span>
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
