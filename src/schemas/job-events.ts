import { z } from 'zod'
import { DatasetSnapshot } from './datasets'
import { event, runLiveMessages, type EventBodies, type RunEventBodies } from './events'
import { BatchSummary, Job, JobArtifact } from './jobs'
import { MetricPoint } from './metrics'
import { ModelVersion } from './model-versions'

/**
 * Messages on a job's live WebSocket (`GET /api/jobs/{id}/live`): the events every run sends, with
 * the record under `job`, and what only jobs send. docs/jobs.md#live describes them.
 */
const jobMessages = runLiveMessages('job', Job, JobArtifact)

export const JobMetricsEvent = event('metrics', {
  points: z.array(MetricPoint.pick({ step: true, value: true, epoch: true, at: true }).extend({ name: z.string() })),
})
export const JobRunnableEvent = event('runnable', { job: Job })
export const JobDatasetEvent = event('dataset', { dataset: DatasetSnapshot })
export const JobBatchEvent = event('batch', { batch: BatchSummary })
export const JobModelVersionEvent = event('model_version', { model_version: ModelVersion })

export const JobLiveMessage = z
  .discriminatedUnion('type', [
    jobMessages.connected,
    jobMessages.snapshot,
    jobMessages.status,
    jobMessages.progress,
    jobMessages.log,
    jobMessages.artifact,
    jobMessages.finalized,
    JobMetricsEvent,
    JobRunnableEvent,
    JobDatasetEvent,
    JobBatchEvent,
    JobModelVersionEvent,
  ])
  .meta({ id: 'JobLiveMessage' })
export type JobLiveMessage = z.infer<typeof JobLiveMessage>

export type JobEvent = Exclude<JobLiveMessage, { type: 'connected' | 'snapshot' }>

// The shell's hand-written event shapes must stay what the job schemas say; this stops compiling if not.
type Agrees<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const jobEventsAgree: Agrees<Pick<EventBodies<JobEvent>, keyof RunEventBodies<'job', Job, JobArtifact>>, RunEventBodies<'job', Job, JobArtifact>> = true
void jobEventsAgree
