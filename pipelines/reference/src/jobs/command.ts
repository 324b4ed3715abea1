import { parseArgs } from 'node:util'
import { createAdapter } from '../adapters/create'
import { adapterSettings, clientFor } from '../launch'
import { DEFAULT_PARAMETERS } from '../parameters'
import { batchInference } from './batch-inference'
import { train } from './train'

const USAGE = `Run one of a project's jobs with the reference pipeline, by its kind.

  npm run job -- --job-id <id> [--adapter human|http|subprocess|mock]

  training          fits a re-scorer on the job's dataset of reviewed boxes and registers it as a
                    model version. Create it with a COCO dataset that keeps rejected boxes:
                      loupe job create <project> --kind training --model <name> --dataset coco --review any
                    Parameters: epochs (300), learning_rate (0.5), l2 (0.01), version.
  batch_inference   runs the detector over the batch's images, re-scoring each box with the model
                    version the job names (model_version), and posts the results per image.

Connection: LOUPE_URL, and LOUPE_TOKEN with ML_CALLBACK_HMAC_SECRET, or LOUPE_API_KEY.`

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'job-id': { type: 'string' }, adapter: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  const jobId = values['job-id']
  if (values.help || !jobId) {
    console.log(USAGE)
    return values.help ? 0 : 2
  }
  const env = process.env
  const client = clientFor(env.LOUPE_URL ?? env.API_BASE_URL ?? 'http://127.0.0.1:8787', { token: env.LOUPE_TOKEN, apiKey: env.LOUPE_API_KEY, secret: env.ML_CALLBACK_HMAC_SECRET })
  const log = (line: string) => console.log(line)
  // The signed inputs callback says what the job is, with a pipeline key as with the shared secret.
  const { job } = await client.job(jobId).inputs()
  log(`job ${job.id}: ${job.kind} ${job.model_name}${job.model_version ? ` ${job.model_version}` : ''}`)
  if (job.kind === 'training') {
    const version = await client.withJob(jobId, (run) => train(run, log))
    console.log(JSON.stringify({ job_id: jobId, model_version: { id: version.id, name: version.name, version: version.version, metrics: version.metrics } }))
    return 0
  }
  if (job.kind === 'batch_inference') {
    const adapter = await createAdapter(adapterSettings({ adapter: values.adapter }))
    try {
      await client.withJob(jobId, (run) => batchInference(client, run, adapter, DEFAULT_PARAMETERS, log))
    } finally {
      await adapter.close()
    }
    console.log(JSON.stringify({ job_id: jobId, status: 'completed' }))
    return 0
  }
  console.error(`the reference pipeline runs training and batch_inference jobs, not ${job.kind}`)
  return 2
}

try {
  process.exitCode = await main()
} catch (err) {
  console.error(`reference pipeline: ${(err as Error).message}`)
  process.exitCode = 1
}
