import { runDurableObjectAlarm } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { api, signed, type TestUser } from './helpers'

export interface Job {
  id: string
  project_id: string
  kind: string
  model_name: string
  model_version: string | null
  model_version_id: string | null
  status: string
  error_message: string | null
  progress: number
  stage: string | null
  priority: number
  runnable_at: string | null
  dataset_snapshot_id: string | null
  batch_total: number | null
  queue_position?: number | null
  [key: string]: unknown
}

export interface Envelope {
  error: { code: string; message: string; details: Record<string, unknown> | null }
}

export async function createJob(user: TestUser, projectId: string, body: Record<string, unknown> = {}) {
  const res = await api(`/api/projects/${projectId}/jobs`, { method: 'POST', token: user.token, json: { kind: 'training', model_name: 'rescorer', ...body } })
  if (res.status !== 201) throw new Error(`create job: ${res.status} ${await res.text()}`)
  return (await res.json()) as Job
}

export async function getJob(user: TestUser, jobId: string) {
  const res = await api(`/api/jobs/${jobId}`, { token: user.token })
  if (res.status !== 200) throw new Error(`get job: ${res.status} ${await res.text()}`)
  return (await res.json()) as Job
}

/** Runs the job's pending alarm, if any: the dataset freeze and sweeps happen there. */
export const runJobAlarm = (jobId: string) => runDurableObjectAlarm(env.JOB.getByName(jobId))

export const startJob = (jobId: string) => signed('PATCH', `/api/jobs/${jobId}/status`, { status: 'processing', stage: 'fit' })
export const finishJob = (jobId: string, status: 'completed' | 'failed' = 'completed') => signed('POST', `/api/jobs/${jobId}/finalize`, { status })

export const jobRow = (jobId: string) => env.DB.prepare('SELECT * FROM jobs WHERE id = ?').bind(jobId).first<Record<string, unknown>>()

/** Presigns a job artifact through the signed endpoint and PUTs the bytes to the returned URL. */
export async function uploadJobArtifact(jobId: string, filename: string, body: string) {
  const res = await signed('POST', `/api/jobs/${jobId}/artifacts/presign`, { artifact_type: 'model', filename })
  if (res.status !== 200) throw new Error(`presign: ${res.status} ${await res.text()}`)
  const ticket = await res.json<{ upload_url: string; storage_path: string; headers: Record<string, string> }>()
  const put = await exports.default.fetch(new Request(ticket.upload_url, { method: 'PUT', headers: ticket.headers, body }))
  if (put.status !== 200) throw new Error(`upload: ${put.status} ${await put.text()}`)
  return ticket.storage_path
}
