import { useState } from 'preact/hooks'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { GroundTruthImports } from '../../components/ground-truth-imports'
import { Empty, ErrorState, Loading } from '../../components/states'
import { formatMetric } from '../../lib/evaluation-format'
import { evaluationsApi, judgedLabel } from '../../lib/evaluations-api'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { usePolling } from '../../lib/use-polling'
import { api } from '../../lib/api'
import { Comparison } from './comparison'
import { EvaluationStatus, isUnfinished } from './evaluation-status'
import { StartEvaluation } from './start-form'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/** A project's evaluations, newest first: start one, open one, delete one, or pick two to compare; and its ground truth. */
export default function EvaluationsPage({ projectId }: { projectId: string }) {
  const list = useAsync((signal) => evaluationsApi.list(projectId, signal), [projectId])
  const project = useAsync((signal) => api.project(projectId, signal), [projectId])
  const [picked, setPicked] = useState<string[]>([])
  const [deleteError, setDeleteError] = useState<string | null>(null)
  const evaluations = list.data?.evaluations ?? []
  // Background evaluations finish on their own: the list refreshes while one is unfinished.
  usePolling(evaluations.some(isUnfinished), 2000, list.reload)
  const canEdit = project.data?.role === 'owner' || project.data?.role === 'editor'

  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]))
  const remove = async (id: string) => {
    if (!confirm('Delete this evaluation and its stored result?')) return
    setDeleteError(null)
    try {
      await evaluationsApi.remove(id)
      setPicked((p) => p.filter((x) => x !== id))
      list.setData((d) => d && { ...d, evaluations: d.evaluations.filter((e) => e.id !== id), total: d.total - 1 })
    } catch (err) {
      setDeleteError((err as Error).message)
    }
  }

  return (
    <div class={layout.page}>
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: project.data?.name ?? 'Project', href: `/projects/${projectId}` }, { label: 'Evaluations' }]} />
      <h1>Evaluations</h1>
      {list.loading && !list.data && <Loading label="Loading evaluations…" />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {list.data && evaluations.length === 0 && <Empty title="No evaluations yet">Import ground truth, then start one below.</Empty>}
      {deleteError && (
        <p class={styles.error} role="alert">
          {deleteError}
        </p>
      )}
      {evaluations.length > 0 && (
        <table class={layout.table} data-testid="evaluation-list">
          <thead>
            <tr>
              <th>Compare</th>
              <th>Evaluation</th>
              <th>Status</th>
              <th>Judged</th>
              <th>Ground truth</th>
              <th>IoU type</th>
              <th>AP</th>
              <th>Created</th>
              {canEdit && <th>Delete</th>}
            </tr>
          </thead>
          <tbody>
            {evaluations.map((e) => (
              <tr key={e.id} data-testid="evaluation-row" data-evaluation-id={e.id} data-status={e.status}>
                <td>
                  <input type="checkbox" checked={picked.includes(e.id)} onChange={() => toggle(e.id)} aria-label={`Compare ${e.name ?? judgedLabel(e.predictions)}`} data-testid="pick-compare" />
                </td>
                <td>
                  <a href={`/evaluations/${e.id}`}>{e.name ?? <span class="mono">{e.id.slice(0, 8)}</span>}</a>
                </td>
                <td>
                  <EvaluationStatus evaluation={e} />
                  {e.status === 'failed' && e.error_message && <div class={styles.error}>{e.error_message}</div>}
                </td>
                <td class="mono">{judgedLabel(e.predictions)}</td>
                <td>{e.ground_truth.source}</td>
                <td>{e.iou_type}</td>
                <td class="mono" data-testid="evaluation-ap">
                  {formatMetric(e.stats?.[0])}
                </td>
                <td title={e.created_at}>{formatTime(e.created_at)}</td>
                {canEdit && (
                  <td>
                    <button type="button" onClick={() => remove(e.id)} aria-label={`Delete ${e.name ?? e.id.slice(0, 8)}`} data-testid="evaluation-delete">
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {picked.length === 1 && <p class="muted">Pick one more to compare.</p>}
      {picked.length === 2 && <Comparison a={picked[0]!} b={picked[1]!} />}
      {canEdit && <StartEvaluation projectId={projectId} onStarted={list.reload} />}
      {project.data && <GroundTruthImports projectId={projectId} canEdit={canEdit} />}
    </div>
  )
}
