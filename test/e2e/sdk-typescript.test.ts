import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { AnalysisCanceled, JobCanceled, LoupeClient, LoupeError, runWorker, type AnnotationInput, type JobDetail } from '../../sdk/typescript/src/index'

/**
 * The TypeScript SDK and its CLI against a real `wrangler dev`: the same scenarios as the Python
 * SDK's integration suite, plus `loupe tail` following a run live.
 */
let server: BenchServer
let client: LoupeClient
let imageId: string
let projectId: string
const ROCKET = readFileSync('test/fixtures/images/rocket.jpg')

beforeAll(async () => {
  server = await startBenchServer(Number(process.env.E2E_TS_PORT ?? 8797))
  client = new LoupeClient({ baseUrl: server.baseUrl, secret: server.secret, token: server.token, maxRetries: 2 })
  const project = await client.userRequest<{ id: string }>('POST', '/api/projects', { name: 'sdk-typescript-e2e' })
  projectId = project.id
  const form = new FormData()
  form.append('file', new File([ROCKET], 'rocket.jpg', { type: 'image/jpeg' }))
  const res = await fetch(`${server.baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}` }, body: form })
  imageId = ((await res.json()) as { id: string }).id
}, 180_000)

afterAll(() => server?.stop())

const create = () =>
  client.createAnalysis(imageId, {
    model_name: 'sdk_typescript_e2e',
    model_version: '1.0.0',
    parameters: { threshold: 0.5 },
    provenance: { sdk: 'typescript' },
    external_job_id: `e2e-${crypto.randomUUID()}`,
  })

/** `loupe tail <id>` as a user runs it; resolves to its exit code and everything it printed. */
function tail(id: string) {
  const child = spawn(process.execPath, ['sdk/typescript/bin/loupe.js', 'tail', id], {
    env: { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_TOKEN: server.token, NO_COLOR: '1' },
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const started = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })))
  return { started, done }
}

/** `loupe <args>` as a user runs it, against this server; resolves to its exit code and output. */
function loupe(...args: string[]) {
  const run = spawnSync(process.execPath, ['sdk/typescript/bin/loupe.js', ...args], {
    env: { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_TOKEN: server.token, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

/** Polls the job until `done` holds: a job waits for its project's slot and its frozen dataset before it may start. */
async function jobUntil(id: string, done: (job: JobDetail) => boolean): Promise<JobDetail> {
  for (let i = 0; i < 200; i++) {
    const job = await client.getJob(id)
    if (done(job)) return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${id} never got there`)
}

const boxes = (n: number): AnnotationInput[] =>
  Array.from({ length: n }, (_, i) => ({
    annotation_type: 'bounding_box',
    class_name: ['rocket', 'cloud', 'tower'][i % 3],
    confidence: ((i * 37) % 100) / 100,
    data: { x_min: i % 600, y_min: i % 400, x_max: (i % 600) + 30, y_max: (i % 400) + 20, image_width: 640, image_height: 427 },
    ordering: i,
  }))

describe('the TypeScript SDK against wrangler dev', () => {
  it('runs a full analysis by stages, re-chunks above the server limit, uploads a mask, and tail follows it live', async () => {
    const analysis = await create()
    expect(analysis.status).toBe('queued')
    const watcher = tail(analysis.id)
    await watcher.started

    client.maxBulk = 6000 // above the server's 5000: the SDK must shrink its chunks on the 400
    const mask = new Uint8Array(Buffer.from(readFileSync('test/fixtures/images/coffee.png')))
    const summary = await client.withAnalysis(analysis.id, async (run) => {
      expect((await run.start()).status).toBe('processing')
      await run.stage('preprocess', async () => run.log('info', 'decoded 640x427 image'))
      await run.stage('inference', async (progress) => {
        for (let i = 1; i <= 4; i++) {
          await progress(i / 4, `batch ${i} of 4`, { force: true })
          run.log('debug', `batch ${i}`)
        }
      })
      return run.stage(
        'postprocess',
        async () => {
          const path = await run.upload('mask', 'mask.png', mask, 'image/png')
          const first = await run.annotate(boxes(12_000))
          const again = await run.annotate(boxes(100)) // idempotent: nothing new
          await run.annotate([{ annotation_type: 'mask', class_name: 'rocket', data: { width: 400, height: 400 }, storage_path: path }])
          return { first, again, path }
        },
        { weight: 0.1 },
      )
    })
    expect(summary.first).toMatchObject({ created: 12_000, requests: 3 })
    expect(summary.again).toMatchObject({ created: 0, duplicates: 100 })
    expect(client.maxBulk).toBe(5000)

    const got = await client.getAnalysis(analysis.id)
    expect(got).toMatchObject({ status: 'completed', progress: 1, annotation_count: 12_001 })
    const logs = await client.userRequest<{ lines: { message: string }[] }>('GET', `/api/analyses/${analysis.id}/logs`)
    const messages = logs.lines.map((l) => l.message)
    expect(messages).toEqual(expect.arrayContaining(['decoded 640x427 image', 'batch 4']))
    expect(messages.some((m) => m.startsWith('Stage completed in'))).toBe(true)

    // The mask the SDK uploaded comes back byte for byte through the platform's download URL.
    const link = await client.userRequest<{ download_url: string }>('GET', `/api/ml/artifacts/download?storage_path=${encodeURIComponent(summary.path)}`)
    const served = new Uint8Array(await (await fetch(link.download_url)).arrayBuffer())
    expect(Buffer.from(served).equals(Buffer.from(mask))).toBe(true)

    const { code, output } = await watcher.done
    expect(output).toMatch(/processing/)
    expect(output).toMatch(/batch 4 of 4/)
    expect(output).toMatch(/completed/)
    expect(code, output).toBe(0)
  }, 120_000)

  it('reports a throw as a failure against its stage', async () => {
    const analysis = await create()
    await expect(
      client.withAnalysis(analysis.id, async (run) => {
        await run.start()
        await run.stage('inference', async () => {
          throw new Error('model exploded')
        })
      }),
    ).rejects.toThrow('model exploded')
    expect(await client.getAnalysis(analysis.id)).toMatchObject({ status: 'failed', error_message: 'model exploded' })
  })

  it('stops the pipeline with AnalysisCanceled when a user cancels', async () => {
    const analysis = await create()
    const outcome = client.withAnalysis(analysis.id, async (run) => {
      await run.start()
      await client.cancelAnalysis(analysis.id)
      await run.progress(0.5, 'inference', undefined, { force: true })
    })
    await expect(outcome).rejects.toBeInstanceOf(AnalysisCanceled)
    expect((await client.getAnalysis(analysis.id)).status).toBe('canceled')
  })

  it('refuses a wrong secret with 401 signature_invalid, a request id, and no retry', async () => {
    const analysis = await create()
    const attempts: string[] = []
    const wrong = new LoupeClient({
      baseUrl: server.baseUrl,
      secret: 'not-the-secret',
      fetch: (input, init) => {
        attempts.push(String(input))
        return fetch(input, init)
      },
    })
    const error = await wrong.analysis(analysis.id).start().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LoupeError)
    expect(error).toMatchObject({ status: 401, code: 'signature_invalid' })
    expect((error as LoupeError).requestId).toBeTruthy()
    expect(attempts).toHaveLength(1)
  })

  it('runs a training job: its frozen dataset checked against its hash, metrics per epoch, weights uploaded, a model version registered', async () => {
    // A completed analysis in the project, so the frozen dataset has something in it.
    const analysis = await create()
    await client.withAnalysis(analysis.id, async (run) => {
      await run.start()
      await run.annotate(boxes(3))
    })
    const created = await client.createJob(projectId, {
      kind: 'training',
      model_name: 'sdk_typescript_rescorer',
      parameters: { epochs: 3 },
      inputs: { dataset: { format: 'coco', review: 'any' } },
    })
    await jobUntil(created.id, (j) => j.runnable_at !== null && j.dataset?.status === 'ready')

    const version = await client.withJob(created.id, async (run) => {
      expect((await run.start()).status).toBe('processing')
      const dataset = await run.downloadDataset()
      expect(dataset.format).toBe('coco')
      expect(dataset.bytes.byteLength).toBeGreaterThan(0)
      await run.stage('fit', async (progress) => {
        for (let epoch = 1; epoch <= 3; epoch++) {
          await run.metrics([
            { name: 'train/loss', step: epoch, epoch, value: 1 / epoch },
            { name: 'lr', step: epoch, value: 0.1 },
          ])
          await progress(epoch / 3, `epoch ${epoch}`, { force: true })
        }
      }, { span: [0, 0.9] })
      const weights = await run.upload('model', 'rescorer.json', JSON.stringify({ weights: [0.1, 0.2] }), 'application/json')
      return run.registerModelVersion({ version: '1', artifacts: [{ kind: 'weights', storage_path: weights }] })
    })
    expect(version).toMatchObject({ name: 'sdk_typescript_rescorer', version: '1', job_id: created.id })
    expect(version.metrics).toMatchObject({ 'train/loss': 1 / 3, lr: 0.1 })

    const job = await client.getJob(created.id)
    expect(job.status).toBe('completed')
    expect(job.model_version_ids).toEqual([version.id])
    const series = await client.userRequest<{ series: { name: string; points: { step: number; value: number }[] }[] }>('GET', `/api/jobs/${created.id}/metrics?name=train/loss`)
    expect(series.series[0]!.points.map((p) => p.step)).toEqual([1, 2, 3])

    // `loupe job status` shows the same job from a terminal.
    const status = loupe('job', 'status', created.id)
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^status +completed$/m)
    expect(status.stdout).toMatch(/^train\/loss +0\.333\d* \(step 3\)$/m)
    expect(status.stdout).toContain(version.id)
    const asJson = JSON.parse(loupe('job', 'status', created.id, '--json').stdout)
    expect(asJson.latest_metrics).toEqual({ 'train/loss': 1 / 3, lr: 0.1 })
  })

  it('stops a job with JobCanceled when a user cancels it from the CLI', async () => {
    const made = loupe('job', 'create', projectId, '--kind', 'custom', '--model', 'sdk_typescript_canceled', '--param', 'epochs=3', '--param', 'note=cli', '--json')
    expect(made.code, made.stderr).toBe(0)
    const created = JSON.parse(made.stdout) as JobDetail
    expect(created.parameters).toEqual({ epochs: 3, note: 'cli' })
    await jobUntil(created.id, (j) => j.runnable_at !== null)
    const run = client.job(created.id)
    await run.start()
    const canceled = loupe('job', 'cancel', created.id)
    expect(canceled.code, canceled.stderr).toBe(0)
    expect(canceled.stdout).toBe(`${created.id}  canceled\n`)
    const err = await run.progress(0.5, 'fit', 'still going').catch((e: unknown) => e)
    expect(loupe('job', 'create', projectId, '--kind', 'sleeping', '--model', 'x').code).toBe(2)
    expect(err).toBeInstanceOf(JobCanceled)
    expect(run.canceled).toBe(true)
    expect((await client.getJob(created.id)).status).toBe('canceled')
  })

  it('runs a pull worker with a pipeline key: it claims a person’s analysis, runs it, and stops when told', async () => {
    const pipeline = await client.userRequest<{ id: string }>('POST', '/api/pipelines', { name: `worker-${crypto.randomUUID().slice(0, 8)}`, model_names: ['sdk_worker_*'] })
    const { key } = await client.userRequest<{ key: string }>('POST', `/api/pipelines/${pipeline.id}/keys`, {})
    await client.userRequest('POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: pipeline.id })
    const analysis = await client.createAnalysis(imageId, { model_name: 'sdk_worker_detector', model_version: '1' })

    const worker = new LoupeClient({ baseUrl: server.baseUrl, apiKey: key, secret: null, maxRetries: 2 })
    const stop = new AbortController()
    const seen: string[] = []
    const handled = await runWorker(worker, {
      analysis: async (run, claimed) => {
        seen.push(claimed.id)
        expect((claimed.data as { image: { url: string } }).image.url).toMatch(/^http/)
        await run.start()
        await run.annotate(boxes(2))
      },
      idleMs: 50,
      signal: stop.signal,
      onRun: () => stop.abort(),
    })
    expect(handled).toBe(1)
    expect(seen).toEqual([analysis.id])
    const done = await client.getAnalysis(analysis.id)
    expect(done.status).toBe('completed')
    expect(done.pipeline_id).toBe(pipeline.id)
    expect(done.annotations).toHaveLength(2)
  })
})
