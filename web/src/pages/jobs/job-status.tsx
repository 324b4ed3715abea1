import { StatusBadge } from '../../components/status-badge'
import type { Job } from './api'

/** A job's status with what it waits for: a queued job holding a slot is waiting for a pipeline. */
export function JobStatus({ job }: { job: Job }) {
  const label = job.status === 'queued' ? (job.runnable_at ? 'queued · runnable' : 'queued · waiting for a slot') : job.status
  return (
    <>
      <StatusBadge status={job.status} label={label} />
      {job.status === 'processing' && <span class="muted"> {Math.round(job.progress * 100)}%{job.stage ? ` · ${job.stage}` : ''}</span>}
    </>
  )
}
