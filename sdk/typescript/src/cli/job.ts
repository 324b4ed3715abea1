import { parseArgs } from 'node:util'
import { LoupeClient } from '../client'
import type { JobCreate, JobDetail } from '../types'
import { connectionOptions, requireToken, resolveConnection } from './config'
import { UsageError, type CliIO } from './io'

export const usage = `loupe job create <project-id> --kind <kind> --model <name> [--version <v>] [--param key=value ...]
                [--dataset coco|yolo] [--review accepted|any] [--priority <n>] [--json]
loupe job status <job-id> [--json]
loupe job cancel <job-id>
  Starts, watches and cancels a project's jobs (docs/jobs.md): create prints the job and its place
  in the queue; status adds its stages, its metrics' latest values and the versions it registered.
  Parameter values are read as JSON when they parse (3, 0.1, true), else as text. Needs a user token.`

const KINDS = ['training', 'evaluation', 'data_generation', 'verification', 'batch_inference', 'custom'] satisfies JobCreate['kind'][]

export async function job(argv: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      ...connectionOptions,
      kind: { type: 'string' },
      model: { type: 'string' },
      version: { type: 'string' },
      param: { type: 'string', multiple: true },
      dataset: { type: 'string' },
      review: { type: 'string' },
      priority: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new UsageError(action === 'create' ? 'give one project id' : 'give one job id')
  const connection = resolveConnection(values, io.env)
  const client = new LoupeClient({ baseUrl: connection.baseUrl, secret: null, token: requireToken(connection), maxRetries: 2 })
  const print = (value: unknown, text: string) => io.stdout.write(values.json ? `${JSON.stringify(value, null, 2)}\n` : text)

  if (action === 'create') {
    const created = await client.createJob(id, createBody(values))
    print(created, `${created.id}  ${created.kind} ${created.model_name}  ${created.status}${created.queue_position ? `  (queue position ${created.queue_position})` : ''}\n`)
    return 0
  }
  if (action === 'status') {
    const detail = await client.getJob(id)
    const { series } = await client.userRequest<{ series: { name: string; last: { step: number; value: number } | null }[] }>('GET', `/api/jobs/${encodeURIComponent(id)}/metrics?max_points=2`)
    const latest = Object.fromEntries(series.filter((s) => s.last).map((s) => [s.name, s.last!.value]))
    print({ ...detail, latest_metrics: latest }, formatJob(detail, series))
    return 0
  }
  if (action === 'cancel') {
    const canceled = await client.cancelJob(id)
    print(canceled, `${canceled.id}  ${canceled.status}\n`)
    return 0
  }
  throw new UsageError(`unknown action "${action ?? ''}": create, status or cancel`)
}

function createBody(values: { kind?: string; model?: string; version?: string; param?: string[]; dataset?: string; review?: string; priority?: string }): JobCreate {
  if (!values.kind || !(KINDS as string[]).includes(values.kind)) throw new UsageError(`--kind is one of ${KINDS.join(', ')}`)
  if (!values.model) throw new UsageError('--model names the model the job trains or runs')
  const parameters: Record<string, unknown> = {}
  for (const pair of values.param ?? []) {
    const at = pair.indexOf('=')
    if (at < 1) throw new UsageError(`--param takes key=value, not "${pair}"`)
    parameters[pair.slice(0, at)] = parseValue(pair.slice(at + 1))
  }
  const body: JobCreate = { kind: values.kind as JobCreate['kind'], model_name: values.model, parameters }
  if (values.version) body.model_version = values.version
  if (values.priority !== undefined) {
    const priority = Number(values.priority)
    if (!Number.isInteger(priority)) throw new UsageError('--priority is a whole number')
    body.priority = priority
  }
  if (values.dataset || values.review) {
    body.inputs = { dataset: { format: (values.dataset ?? 'coco') as 'coco' | 'yolo', review: (values.review ?? 'accepted') as 'accepted' | 'any' } }
  }
  return body
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function formatJob(j: JobDetail, series: { name: string; last: { step: number; value: number } | null }[]): string {
  const rows: [string, string | null | undefined][] = [
    ['job', j.id],
    ['kind', j.kind],
    ['model', `${j.model_name}${j.model_version ? ` ${j.model_version}` : ''}`],
    ['status', `${j.status}${j.queue_position ? `  (queue position ${j.queue_position})` : ''}`],
    ['progress', `${(j.progress * 100).toFixed(1)}%${j.stage ? `  (stage: ${j.stage})` : ''}`],
    ['dataset', j.dataset && `${j.dataset.format} ${j.dataset.status}${j.dataset.image_count !== null ? `, ${j.dataset.image_count} images` : ''}`],
    ['batch', j.batch && `${j.batch.completed}/${j.batch.total} completed, ${j.batch.failed} failed`],
    ...series.filter((s) => s.last).map((s): [string, string] => [s.name, `${s.last!.value} (step ${s.last!.step})`]),
    ['versions', j.model_version_ids.join(', ')],
    ['created', j.created_at],
    ['completed', j.completed_at],
    ['error', j.error_message],
  ]
  return rows
    .filter((row): row is [string, string] => Boolean(row[1]))
    .map(([k, v]) => `${k.padEnd(12)} ${v}\n`)
    .join('')
}
