import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'

/** The Python SDK's own integration suite, pointed at a real `wrangler dev`. */
let server: BenchServer

beforeAll(async () => {
  server = await startBenchServer(Number(process.env.E2E_PY_PORT ?? 8795))
}, 180_000)

afterAll(() => server?.stop())

it('runs a full analysis, a failure, a cancel and a bad secret through the Python SDK', () => {
  const run = spawnSync('python3', ['-m', 'unittest', '-v', 'tests.test_integration'], {
    cwd: 'sdk/python',
    encoding: 'utf8',
    env: { ...process.env, LOUPE_E2E_BASE_URL: server.baseUrl, LOUPE_E2E_TOKEN: server.token, ML_CALLBACK_HMAC_SECRET: server.secret },
    timeout: 120_000,
  })
  const output = `${run.stdout}\n${run.stderr}`
  expect(output, output).toMatch(/\nOK\b/)
  expect(output).not.toMatch(/skipped/)
  expect(run.status, output).toBe(0)
}, 150_000)
