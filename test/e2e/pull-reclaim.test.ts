import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { serverApi } from './server-api'

/**
 * The reference pipeline as pull workers (`--pull`) against `wrangler dev`, with leases short
 * enough to watch run out: a worker killed mid-run leaves its analysis to its lease, which sends
 * it back to `queued` for the next worker; a worker told to stop gives it back at once.
 */
const PIPELINE = 'pipelines/reference'
const LEASE_SECONDS = 6

interface Analysis {
  id: string
  status: string
  status_reason: string | null
  annotations: { annotation_type: string; class_name: string | null; confidence: number | null }[]
}

let server: BenchServer
let imageId: string
let key: string
const workers: { child: ChildProcess; output: string[] }[] = []

const api = serverApi(() => server)

/** `src/cli.ts --pull` run by node itself, not through npm, so a signal reaches the worker and not a wrapper. */
function startWorker(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_API_KEY: key }
  delete env.LOUPE_TOKEN
  delete env.ML_CALLBACK_HMAC_SECRET
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/cli.ts', '--pull', '--adapter', 'human', ...args], { cwd: PIPELINE, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const worker = { child, output: [] as string[] }
  child.stdout!.on('data', (chunk) => worker.output.push(String(chunk)))
  child.stderr!.on('data', (chunk) => worker.output.push(String(chunk)))
  workers.push(worker)
  return worker
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

/** Polls the analysis until `done` holds, and says how long that took. */
async function until(id: string, done: (a: Analysis) => boolean, timeoutMs: number, why: () => string = () => '') {
  const started = Date.now()
  let analysis: Analysis | undefined
  while (Date.now() - started < timeoutMs) {
    analysis = await api<Analysis>('GET', `/api/analyses/${id}`)
    if (done(analysis)) return { analysis, ms: Date.now() - started }
    await sleep(200)
  }
  throw new Error(`analysis ${id} still ${analysis?.status} (${analysis?.status_reason}) after ${timeoutMs} ms\n${why()}`)
}

const newAnalysis = () => api<{ id: string }>('POST', `/api/images/${imageId}/analyses`, { model_name: 'loupe-reference', model_version: '0.1.0' })

beforeAll(async () => {
  if (!existsSync(`${PIPELINE}/node_modules`)) {
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PIPELINE, stdio: 'inherit', timeout: 150_000 })
    if (ci.status !== 0) throw new Error(`npm ci in ${PIPELINE} failed (${ci.status ?? ci.signal})`)
  }
  server = await startBenchServer(Number(process.env.E2E_RECLAIM_PORT ?? 8847), {
    // Push off whatever .dev.vars says: an analysis pushed to an endpoint is not handed to claims.
    vars: { ML_CLAIM_LEASE_SECONDS: String(LEASE_SECONDS), ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: 'false' },
  })
  const projectId = (await api<{ id: string }>('POST', '/api/projects', { name: 'pull reclaim' })).id
  const form = new FormData()
  form.append('file', new File([readFileSync('test/fixtures/images/astronaut.png')], 'astronaut.png', { type: 'image/png' }))
  imageId = (await api<{ id: string }>('POST', `/api/projects/${projectId}/images`, form)).id
  const pipeline = await api<{ id: string }>('POST', '/api/pipelines', { name: 'reference workers', model_names: ['loupe-reference'] })
  key = (await api<{ key: string }>('POST', `/api/pipelines/${pipeline.id}/keys`, { name: 'workers' })).key
  await api('POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: pipeline.id })
}, 240_000)

afterEach(async () => {
  for (const { child } of workers.splice(0)) {
    child.kill('SIGKILL')
    await exited(child)
  }
})

afterAll(() => server?.stop())

describe('reference pipeline as a pull worker', () => {
  it('a worker killed mid-run loses the analysis to its lease, and the next worker completes it', async () => {
    const { id } = await newAnalysis()
    const a = startWorker(['--work-delay-ms', '120000'])
    await until(id, (x) => x.status === 'processing', 90_000, () => a.output.join(''))
    // While the worker lives it renews the lease, so the run outlasts several leases' worth of time.
    await sleep((LEASE_SECONDS + 3) * 1000)
    expect((await api<Analysis>('GET', `/api/analyses/${id}`)).status).toBe('processing')

    // No graceful release: only the lease running out can free the run.
    a.child.kill('SIGKILL')
    await exited(a.child)
    const requeued = await until(id, (x) => x.status !== 'processing', (LEASE_SECONDS + 5) * 1000)
    expect(requeued.analysis, `after ${requeued.ms} ms`).toMatchObject({ status: 'queued', status_reason: 'lease_expired' })

    const b = startWorker([])
    const done = await until(id, (x) => x.status === 'completed' || x.status === 'failed', 90_000, () => b.output.join(''))
    expect(done.analysis.status, b.output.join('')).toBe('completed')
    const analysis = await api<Analysis>('GET', `/api/analyses/${id}`)
    const person = analysis.annotations.find((x) => x.annotation_type === 'bounding_box' && x.class_name === 'person')
    expect(person?.confidence).toBeGreaterThan(0.5)
    expect(analysis.annotations.map((x) => x.annotation_type)).toEqual(expect.arrayContaining(['bounding_box', 'keypoint', 'classification', 'mask']))
    expect(b.output.join('')).toContain(`completed analysis ${id}`)
  }, 240_000)

  it('SIGTERM mid-run gives the analysis back at once, well before its lease would run out', async () => {
    const { id } = await newAnalysis()
    const c = startWorker(['--work-delay-ms', '120000'])
    await until(id, (x) => x.status === 'processing', 90_000, () => c.output.join(''))

    c.child.kill('SIGTERM')
    const released = await until(id, (x) => x.status !== 'processing', (LEASE_SECONDS + 5) * 1000)
    expect(released.analysis, `after ${released.ms} ms`).toMatchObject({ status: 'queued', status_reason: 'released' })
    expect(released.ms).toBeLessThan((LEASE_SECONDS * 1000) / 2)
    const code = await Promise.race([exited(c.child), sleep(10_000, 'still running')])
    expect(code, c.output.join('')).toBe(0)
    expect(c.output.join('')).toContain(`released analysis ${id}`)
  }, 180_000)
})
