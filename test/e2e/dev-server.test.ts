import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * `npm run dev` as a newcomer runs it, on its own port and with throwaway local state
 * (`LOUPE_PERSIST_TO`), with an allow-list of model names that leaves out one of the demo's
 * models. Then only what its ready banner prints is used: the paste-ready block into a shell,
 * and the first signed analysis from docs/getting-started.md, verbatim.
 */
const PORT = Number(process.env.E2E_DEV_PORT ?? 8812)
const ALLOWED_MODELS = 'yolo_v8,resnet50_classifier,custom_model'
const state = mkdtempSync(join(tmpdir(), 'loupe-dev-'))

let dev: ChildProcess
let output = ''
let exited: number | null | undefined
let banner = ''

function stop(child: ChildProcess | undefined) {
  // npm, tsx, wrangler and vite: the whole process group this test started.
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM')
}

beforeAll(async () => {
  dev = spawn('npm', ['run', 'dev'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(PORT), LOUPE_PERSIST_TO: state, ML_ALLOWED_MODELS: ALLOWED_MODELS },
  })
  dev.stdout!.on('data', (chunk) => (output += chunk))
  dev.stderr!.on('data', (chunk) => (output += chunk))
  dev.on('exit', (code) => (exited = code))
  const deadline = Date.now() + 280_000
  while (!/Press Ctrl-C to stop/.test(output)) {
    if (exited !== undefined) throw new Error(`npm run dev exited (${exited}) before it was ready:\n${output}`)
    if (Date.now() > deadline) throw new Error(`npm run dev was not ready in time:\n${output}`)
    await sleep(250)
  }
  banner = output.slice(output.lastIndexOf('✓ Loupe is running'))
}, 300_000)

afterAll(() => {
  stop(dev)
  rmSync(state, { recursive: true, force: true })
})

/** The banner's paste-ready block: every line from the first `export` to the last demo image. */
function pasteBlock(): string {
  const lines = banner.split('\n')
  const first = lines.findIndex((l) => /^\s*export API_BASE_URL=/.test(l))
  let last = first
  while (last + 1 < lines.length && /^\s*(export \w+=|#)/.test(lines[last + 1]!)) last++
  expect(first, banner).toBeGreaterThanOrEqual(0)
  return lines.slice(first, last + 1).join('\n')
}

/** Runs bash with the pasted block first, in an environment with nothing of this test's settings. */
function shell(script: string, cwd = process.cwd()) {
  return spawnSync('bash', ['-c', `${pasteBlock()}\n${script}`], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, PYTHONPATH: resolve('sdk/python/src') },
  })
}

describe('npm run dev', () => {
  it('seeds the demo with allowed models only, says so, and keeps serving', async () => {
    expect(output).toMatch(/detr_resnet50 is not in ML_ALLOWED_MODELS/)
    expect(output).not.toMatch(/✗/)
    await sleep(2000)
    expect(exited, output).toBeUndefined()
    expect((await fetch(`http://127.0.0.1:${PORT}/api/health`)).status).toBe(200)
  })

  it('prints a block that sets API_BASE_URL, LOUPE_TOKEN, the local secret and the demo images', () => {
    const block = pasteBlock()
    expect(block).toContain(`export API_BASE_URL=http://127.0.0.1:${PORT}`)
    expect(block).toMatch(/^export LOUPE_TOKEN=lp_\S+$/m)
    expect(block).toMatch(/^export ML_CALLBACK_HMAC_SECRET=\S+$/m)
    for (const file of ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg']) expect(block).toMatch(new RegExp(`IMAGE_ID=[0-9a-f-]{36} +# ${file}`))
  })

  it('is enough, pasted into a shell, for the first signed analysis of docs/getting-started.md', async () => {
    const guide = readFileSync('docs/getting-started.md', 'utf8')
    const recipe = /```python\n([\s\S]*?)```/.exec(guide)?.[1]
    expect(recipe, 'docs/getting-started.md has a Python block').toBeDefined()
    const dir = mkdtempSync(join(tmpdir(), 'loupe-first-analysis-'))
    writeFileSync(join(dir, 'first_analysis.py'), recipe!)
    const run = shell('python3 first_analysis.py', dir)
    rmSync(dir, { recursive: true, force: true })
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)

    // The recipe prints the viewer's URL of its analysis; read the analysis back from it.
    const viewerUrl = new URL(run.stdout.trim().split('\n').at(-1)!)
    const analysisId = viewerUrl.searchParams.get('analysis')!
    expect(viewerUrl.pathname).toMatch(/^\/images\/[0-9a-f-]{36}$/)
    const env = shell('echo "$LOUPE_TOKEN"')
    const token = env.stdout.trim()
    const res = await fetch(`http://127.0.0.1:${PORT}/api/analyses/${analysisId}`, { headers: { Authorization: `Bearer ${token}` } })
    const analysis = (await res.json()) as { status: string; model_name: string; annotations: { annotation_type: string; storage_path: string | null }[] }
    expect(analysis.status).toBe('completed')
    expect(analysis.annotations.map((a) => a.annotation_type).sort()).toEqual(['bounding_box', 'heatmap'])
  })

  it("prints a sign-in link that opens the demo project in the viewer", async () => {
    const link = /(http:\/\/127\.0\.0\.1:\d+\/api\/auth\/link\?\S+)/.exec(banner)?.[1]
    expect(link, banner).toBeDefined()
    const res = await fetch(link!, { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toMatch(/^\/projects\/[0-9a-f-]{36}$/)
    expect(res.headers.get('set-cookie')).toMatch(/=/)
  })
})

describe('npm run demo, beside it', () => {
  /** The demo as a second terminal runs it: only PORT says where the dev server is. */
  function demo(env: Record<string, string>) {
    return spawnSync('npm', ['run', '--silent', 'demo'], {
      encoding: 'utf8',
      timeout: 240_000,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOUPE_PERSIST_TO: state, PORT: String(PORT), MODEL_ADAPTER_TYPE: 'mock', DEMO_PAUSE_MS: '0', ...env },
    })
  }

  it('says which model names the server allows and how to pick one', () => {
    const run = demo({})
    const text = `${run.stdout}\n${run.stderr}`
    expect(run.status, text).toBe(1)
    expect(text).toContain('yolo_v8, resnet50_classifier, custom_model')
    expect(text).toMatch(/MODEL_NAME=yolo_v8 npm run demo/)
  }, 250_000)

  it('follows the dev server by PORT and analyzes the demo photos with an allowed model name', () => {
    const run = demo({ MODEL_NAME: 'custom_model' })
    const text = `${run.stdout}\n${run.stderr}`
    expect(run.status, text).toBe(0)
    expect(text).toContain(`http://127.0.0.1:${PORT}/projects/`)
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { analyses: { status: string }[] }
    expect(summary.analyses.map((a) => a.status)).toEqual(['completed', 'completed', 'completed', 'completed'])
  }, 250_000)
})
