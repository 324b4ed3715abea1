import { useState } from 'preact/hooks'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { Empty, ErrorState, Loading } from '../../components/states'
import { formatTime } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { usePolling } from '../../lib/use-polling'
import { jobsApi, type Job, type JobCreate } from './api'
import { JobStatus } from './job-status'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

const KINDS: JobCreate['kind'][] = ['training', 'evaluation', 'data_generation', 'verification', 'batch_inference', 'custom']

/** A project's jobs: what runs now, what waits in order, the history, and a form to start one. */
export default function JobsPage({ projectId }: { projectId: string }) {
  const queue = useAsync((signal) => jobsApi.queue(projectId, signal), [projectId])
  const history = useAsync((signal) => jobsApi.list(projectId, signal), [projectId])
  // Runs move on their own: the queue and history refresh while anything is unfinished.
  const active = Boolean(queue.data && (queue.data.running.length || queue.data.waiting.length))
  usePolling(active, 2000, () => {
    queue.reload()
    history.reload()
  })

  return (
    <div class={layout.page}>
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: 'Project', href: `/projects/${projectId}` }, { label: 'Jobs' }]} />
      <header class={layout.head}>
        <h1>Jobs</h1>
        <a href={`/projects/${projectId}/models`} data-testid="models-link">
          Model versions →
        </a>
      </header>
      {queue.error && <ErrorState error={queue.error} retry={queue.reload} />}
      {queue.data && (
        <section class={layout.panel} data-testid="job-queue">
          <h2>
            Queue <span class="muted">({queue.data.concurrency} at a time)</span>
          </h2>
          {!queue.data.running.length && !queue.data.waiting.length && <p class="muted">Nothing running or waiting.</p>}
          <ol class={styles.queue}>
            {queue.data.running.map((j) => (
              <li key={j.id} data-testid="queue-running">
                <JobLine job={j} />
              </li>
            ))}
            {queue.data.waiting.map((j) => (
              <li key={j.id} data-testid="queue-waiting">
                <span class="muted">#{j.queue_position}</span> <JobLine job={j} />
              </li>
            ))}
          </ol>
        </section>
      )}
      <section>
        <h2>History</h2>
        {history.loading && !history.data && <Loading label="Loading jobs…" />}
        {history.error && <ErrorState error={history.error} retry={history.reload} />}
        {history.data && history.data.jobs.length === 0 && <Empty title="No jobs yet">Start one below, or with `loupe job create`.</Empty>}
        {history.data && history.data.jobs.length > 0 && (
          <table class={layout.table} data-testid="job-list">
            <thead>
              <tr>
                <th>Job</th>
                <th>Kind</th>
                <th>Model</th>
                <th>Status</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {history.data.jobs.map((j) => (
                <tr key={j.id} data-testid="job-row" data-job-id={j.id}>
                  <td>
                    <a class="mono" href={`/jobs/${j.id}`}>
                      {j.id.slice(0, 8)}
                    </a>
                  </td>
                  <td>{j.kind}</td>
                  <td class="mono">
                    {j.model_name}
                    {j.model_version && ` ${j.model_version}`}
                  </td>
                  <td>
                    <JobStatus job={j} />
                  </td>
                  <td title={j.created_at}>{formatTime(j.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <StartJob projectId={projectId} />
    </div>
  )
}

function JobLine({ job }: { job: Job }) {
  return (
    <>
      <a class="mono" href={`/jobs/${job.id}`}>
        {job.id.slice(0, 8)}
      </a>{' '}
      {job.kind} <span class="mono">{job.model_name}</span> <JobStatus job={job} />
    </>
  )
}

/** Owners and editors start a job here; the server refuses anyone else with a message shown in place. */
function StartJob({ projectId }: { projectId: string }) {
  const [form, setForm] = useState({ kind: 'training' as JobCreate['kind'], model: '', version: '', parameters: '{}', dataset: 'none', review: 'accepted' })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function start(e: Event) {
    e.preventDefault()
    setError(null)
    let parameters: Record<string, unknown>
    try {
      parameters = JSON.parse(form.parameters || '{}')
      if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new Error('not an object')
    } catch {
      setError('Parameters must be a JSON object, e.g. {"epochs": 20}')
      return
    }
    const body: JobCreate = { kind: form.kind, model_name: form.model.trim(), parameters }
    if (form.version.trim()) body.model_version = form.version.trim()
    if (form.dataset !== 'none') body.inputs = { dataset: { format: form.dataset as 'coco' | 'yolo', review: form.review as 'accepted' | 'any' } }
    setBusy(true)
    try {
      const created = await jobsApi.create(projectId, body)
      location.assign(`/jobs/${created.id}`)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value })
  return (
    <form class={`${layout.panel} ${layout.form}`} onSubmit={start} data-testid="job-start">
      <h2 style={{ gridColumn: '1 / -1' }}>Start a job</h2>
      <label for="job-kind">Kind</label>
      <select id="job-kind" value={form.kind} onChange={set('kind')}>
        {KINDS.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
      <label for="job-model">Model</label>
      <input id="job-model" type="text" required value={form.model} onInput={set('model')} placeholder="rescorer" />
      <label for="job-version">Version</label>
      <input id="job-version" type="text" value={form.version} onInput={set('version')} placeholder="the version to apply (batch, evaluation)" />
      <label for="job-parameters">Parameters</label>
      <textarea id="job-parameters" class="mono" rows={3} value={form.parameters} onInput={set('parameters')} />
      <label for="job-dataset">Dataset</label>
      <div class={layout.row}>
        <select id="job-dataset" value={form.dataset} onChange={set('dataset')}>
          <option value="none">none</option>
          <option value="coco">COCO snapshot</option>
          <option value="yolo">YOLO snapshot</option>
        </select>
        <label for="job-review">annotations</label>
        <select id="job-review" value={form.review} onChange={set('review')} disabled={form.dataset === 'none'}>
          <option value="accepted">accepted only</option>
          <option value="any">all, with their review state</option>
        </select>
      </div>
      {error && (
        <p class={styles.error} role="alert" style={{ gridColumn: '1 / -1' }} data-testid="job-start-error">
          {error}
        </p>
      )}
      <div class={layout.actions}>
        <button type="submit" disabled={busy} data-testid="job-start-submit">
          {busy ? 'Starting…' : 'Start job'}
        </button>
      </div>
    </form>
  )
}
