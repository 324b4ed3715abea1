import { useState } from 'preact/hooks'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { DeliveryLog } from '../../components/delivery-log'
import { MetricChart } from '../../components/metric-chart'
import { ErrorState, Loading } from '../../components/states'
import { formatDuration, formatTime, durationBetween } from '../../lib/format'
import { api } from '../../lib/api'
import { useAsync } from '../../lib/use-async'
import { useDeliveries } from '../../lib/use-deliveries'
import { isTerminal } from '../../lib/types'
import { jobsApi, type JobDetail } from './api'
import { JobStatus } from './job-status'
import { useJobLive, type JobPart } from './use-job-live'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/** One job: where it stands, its metrics as charts, its log, its artifacts and inputs, and the versions it made. */
export default function JobPage({ jobId }: { jobId: string }) {
  const job = useAsync((signal) => jobsApi.get(jobId, signal), [jobId])
  const metrics = useAsync((signal) => jobsApi.metrics(jobId, signal), [jobId])
  const logs = useAsync((signal) => jobsApi.logs(jobId, signal), [jobId])
  const artifacts = useAsync((signal) => jobsApi.artifacts(jobId, signal), [jobId])
  const running = Boolean(job.data && !isTerminal(job.data.status))
  const projectId = job.data?.project_id
  const project = useAsync((signal) => (projectId ? api.project(projectId, signal) : Promise.resolve(null)), [projectId])
  const deliveries = useDeliveries('jobs', jobId, running)
  const reloads: Record<JobPart, () => void> = { job: job.reload, metrics: metrics.reload, logs: logs.reload, artifacts: artifacts.reload }
  const live = useJobLive(jobId, (part) => reloads[part]())
  const [filter, setFilter] = useState('')
  const [canceling, setCanceling] = useState<string | null>(null)

  async function cancel() {
    setCanceling('Canceling…')
    try {
      await jobsApi.cancel(jobId)
      job.reload()
      setCanceling(null)
    } catch (err) {
      setCanceling((err as Error).message)
    }
  }

  async function download(storagePath: string) {
    const { download_url } = await jobsApi.artifactUrl(jobId, storagePath)
    location.assign(download_url)
  }

  if (job.error && !job.data) return <ErrorState error={job.error} retry={job.reload} />
  if (!job.data) return <Loading label="Loading the job…" />
  const j = job.data
  const sent = deliveries.deliveries
  const lines = (logs.data?.lines ?? []).filter((l) => !filter || l.message.toLowerCase().includes(filter.toLowerCase()))
  return (
    <div class={layout.page} data-testid="job-page" data-status={j.status} data-live={live.connection}>
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: 'Project', href: `/projects/${j.project_id}` }, { label: 'Jobs', href: `/projects/${j.project_id}/jobs` }, { label: j.id.slice(0, 8), mono: true }]} />
      <header class={layout.head}>
        <h1>
          {j.kind} <span class="mono">{j.model_name}</span>
        </h1>
        <JobStatus job={j} />
        {running && (
          <button type="button" onClick={cancel} data-testid="job-cancel">
            Cancel
          </button>
        )}
        {canceling && <span class="muted">{canceling}</span>}
      </header>
      <section class={layout.panel}>
        <Facts job={j} />
      </section>
      {live.stages.length > 0 && (
        <section>
          <h2>Stages</h2>
          <ol class={styles.queue} data-testid="job-stages">
            {live.stages.map((s) => (
              <li key={`${s.name}-${s.started_at}`} data-testid="job-stage" data-stage={s.name} data-done={s.ended_at ? 'true' : 'false'}>
                <span class="mono">{s.name}</span>{' '}
                <span class="muted">{s.ended_at ? formatDuration(s.duration_ms) : `running since ${formatTime(s.started_at)}`}</span>
              </li>
            ))}
          </ol>
        </section>
      )}
      <section>
        <h2>Metrics</h2>
        {metrics.data && metrics.data.series.length === 0 && <p class="muted">No metrics reported yet.</p>}
        <div class={styles.charts}>
          {metrics.data?.series.map((s) => (
            <MetricChart key={s.name} series={s} />
          ))}
        </div>
      </section>
      <section>
        <h2>Log</h2>
        <div class={layout.row}>
          <label for="log-filter" class="visually-hidden">
            Search the log
          </label>
          <input id="log-filter" type="search" placeholder="Search the log" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} data-testid="log-filter" />
          <a href={jobsApi.logsTextUrl(jobId)} download={`job-${jobId}.log`}>
            Download the whole log
          </a>
          {logs.data && <span class="muted">{logs.data.total} lines</span>}
        </div>
        <pre class={styles.log} data-testid="job-log">
          {lines.map((l) => `${l.ts.slice(11, 19)} ${l.level.padEnd(7)} ${l.stage ? `[${l.stage}] ` : ''}${l.message}`).join('\n')}
        </pre>
      </section>
      <section>
        <h2>Artifacts</h2>
        {artifacts.data && artifacts.data.artifacts.length === 0 && <p class="muted">None.</p>}
        <ul data-testid="job-artifacts">
          {artifacts.data?.artifacts.map((a) => (
            <li key={a.id}>
              <button type="button" class="mono" onClick={() => download(a.storage_path)} disabled={a.status !== 'uploaded'}>
                {a.filename}
              </button>{' '}
              <span class="muted">
                {a.artifact_type} · {a.status}
                {a.bytes !== null && ` · ${a.bytes} bytes`}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section data-testid="deliveries-section">
        <h2>Deliveries</h2>
        {deliveries.error && !sent && <ErrorState error={deliveries.error} retry={deliveries.reload} title="Could not load the deliveries" />}
        {sent && sent.length === 0 && <p class="muted">{running ? 'None yet: a job is pushed to a pipeline once it is runnable.' : 'None: this job was not pushed to a pipeline.'}</p>}
        {sent && sent.length > 0 && (
          <DeliveryLog
            deliveries={sent}
            canRedeliver={project.data?.role === 'editor' || project.data?.role === 'owner'}
            redelivered={deliveries.redelivered}
            onRedeliver={deliveries.redeliver}
          />
        )}
      </section>
    </div>
  )
}

function Facts({ job: j }: { job: JobDetail }) {
  return (
    <dl class={styles.facts}>
      <dt>Progress</dt>
      <dd>
        {Math.round(j.progress * 100)}%{j.stage && ` · stage ${j.stage}`}
      </dd>
      {j.queue_position !== null && (
        <>
          <dt>Queue</dt>
          <dd>position {j.queue_position}</dd>
        </>
      )}
      <dt>Created</dt>
      <dd title={j.created_at}>{formatTime(j.created_at)}</dd>
      {j.started_at && (
        <>
          <dt>Ran</dt>
          <dd>{formatDuration(durationBetween(j.started_at, j.completed_at ?? new Date().toISOString()))}</dd>
        </>
      )}
      {j.error_message && (
        <>
          <dt>Error</dt>
          <dd>{j.error_message}</dd>
        </>
      )}
      <dt>Parameters</dt>
      <dd class="mono">{JSON.stringify(j.parameters ?? {})}</dd>
      {j.inputs && Object.keys(j.inputs).length > 0 && (
        <>
          <dt>Inputs</dt>
          <dd class="mono" data-testid="job-inputs">
            {JSON.stringify(j.inputs)}
          </dd>
        </>
      )}
      {j.dataset && (
        <>
          <dt>Dataset</dt>
          <dd data-testid="job-dataset">
            {j.dataset.format} snapshot, {j.dataset.review} annotations, {j.dataset.status}
            {j.dataset.image_count !== null && `, ${j.dataset.image_count} images`}
            {j.dataset.sha256 && <span class="mono muted"> sha256 {j.dataset.sha256.slice(0, 12)}</span>}
          </dd>
        </>
      )}
      {j.batch && (
        <>
          <dt>Batch</dt>
          <dd>
            {j.batch.completed} of {j.batch.total} completed, {j.batch.failed} failed
          </dd>
        </>
      )}
      {j.model_version_ids.length > 0 && (
        <>
          <dt>Made</dt>
          <dd data-testid="job-versions">
            <a href={`/projects/${j.project_id}/models#${j.model_version_ids[0]}`}>
              {j.model_version_ids.length === 1 ? 'a model version' : `${j.model_version_ids.length} model versions`}
            </a>
          </dd>
        </>
      )}
    </dl>
  )
}
