import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { serverApi } from './server-api'
import { LoupeClient } from '../../sdk/typescript/src'

/**
 * A registered pipeline, end to end against `wrangler dev`: both SDKs and the reference pipeline
 * authenticate with an `mlpip_` key alone, and sign each analysis's callbacks with the run
 * credential its create answered with. No shared secret is handed to them.
 */
let server: BenchServer
let projectId: string
let imageId: string
let key: string

const api = serverApi(() => server)

beforeAll(async () => {
  server = await startBenchServer(Number(process.env.E2E_KEYS_PORT ?? 8841))
  projectId = (await api<{ id: string }>('POST', '/api/projects', { name: 'pipeline keys' })).id
  const form = new FormData()
  form.append('file', new File([readFileSync('test/fixtures/images/astronaut.png')], 'astronaut.png', { type: 'image/png' }))
  imageId = (await api<{ id: string }>('POST', `/api/projects/${projectId}/images`, form)).id
  const pipeline = await api<{ id: string }>('POST', '/api/pipelines', { name: 'e2e', model_names: ['e2e-*', 'loupe-reference-mock'] })
  key = (await api<{ key: string }>('POST', `/api/pipelines/${pipeline.id}/keys`, { name: 'e2e' })).key
  await api('POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: pipeline.id })
}, 180_000)

afterAll(() => server?.stop())

describe('a registered pipeline', () => {
  it('TypeScript SDK: creates with its key and completes with the run credential, the shared secret never used', async () => {
    const client = new LoupeClient({ baseUrl: server.baseUrl, apiKey: key, secret: null })
    const created = await client.createAnalysis(imageId, { model_name: 'e2e-ts', model_version: '1' })
    expect(created.callback?.secret).toMatch(/^mlcred_/)
    await client.withAnalysis(created.id, async (run) => {
      await run.start()
      await run.progress(0.5)
      await run.annotate([{ annotation_type: 'classification', class_name: 'person', confidence: 0.9, data: { score: 0.9 } }])
    })
    const done = await api<{ status: string; pipeline_id: string; annotations: unknown[] }>('GET', `/api/analyses/${created.id}`)
    expect(done.status).toBe('completed')
    expect(done.annotations).toHaveLength(1)

    // The credential is for that analysis alone.
    const other = await api<{ id: string }>('POST', `/api/images/${imageId}/analyses`, { model_name: 'e2e-ts', model_version: '1' }, { 'X-API-Key': key })
    const stray = new LoupeClient({ baseUrl: server.baseUrl, secret: created.callback!.secret, maxRetries: 0 })
    await expect(stray.analysis(other.id).start()).rejects.toMatchObject({ status: 401, code: 'signature_invalid' })
  }, 60_000)

  it('Python SDK: creates with its key and completes with the run credential', () => {
    const script = [
      'import json, sys',
      'from loupe import LoupeClient',
      'client = LoupeClient(sys.argv[1], None, api_key=sys.argv[2])',
      'created = client.create_analysis(sys.argv[3], "e2e-py", "1")',
      'assert created["callback"]["secret"].startswith("mlcred_")',
      'with client.analysis(created["id"]) as run:',
      '    run.start()',
      '    run.annotate([{"annotation_type": "classification", "class_name": "person", "confidence": 0.8, "data": {"score": 0.8}}])',
      'print(json.dumps({"id": created["id"]}))',
    ].join('\n')
    const run = spawnSync('python3', ['-c', script, server.baseUrl, key, imageId], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: 'sdk/python/src' },
      timeout: 60_000,
    })
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    const { id } = JSON.parse(run.stdout.trim().split('\n').at(-1)!)
    return api<{ status: string }>('GET', `/api/analyses/${id}`).then((a) => expect(a.status).toBe('completed'))
  }, 60_000)

  it('reference pipeline: `npm run analyze` with LOUPE_API_KEY alone', async () => {
    const PIPELINE = 'pipelines/reference'
    if (!existsSync(`${PIPELINE}/node_modules`)) {
      const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PIPELINE, stdio: 'inherit', timeout: 150_000 })
      expect(ci.status).toBe(0)
    }
    const env: NodeJS.ProcessEnv = { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_API_KEY: key }
    delete env.LOUPE_TOKEN
    delete env.ML_CALLBACK_HMAC_SECRET
    const run = spawnSync('npm', ['run', '--silent', 'analyze', '--', '--image-id', imageId, '--adapter', 'mock'], { cwd: PIPELINE, encoding: 'utf8', env, timeout: 120_000 })
    const output = `${run.stdout}\n${run.stderr}`
    expect(run.status, output).toBe(0)
    const [result] = JSON.parse(run.stdout.trim().split('\n').at(-1)!).analyses as { analysis_id: string; status: string }[]
    expect(result!.status).toBe('completed')
    const analysis = await api<{ status: string; pipeline_id: string | null; annotations: unknown[] }>('GET', `/api/analyses/${result!.analysis_id}`)
    expect(analysis.pipeline_id).not.toBeNull()
    expect(analysis.annotations.length).toBeGreaterThan(0)
  }, 180_000)
})
