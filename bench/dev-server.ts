import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createUser } from '../src/cli/users'

export interface BenchServer {
  baseUrl: string
  token: string
  secret: string
  stop(): void
}

/**
 * A throwaway `wrangler dev` with its own state directory, migrated, with one user: benchmarks
 * measure the real local stack, not a mock, and never touch the developer's data.
 */
export async function startBenchServer(port: number): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-'))
  process.env.LOUPE_PERSIST_TO = dir
  const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], { stdio: 'ignore' })
  if (migrate.status !== 0) throw new Error('migrations failed')
  const user = createUser('bench@loupe.local', 'Bench', { remote: false })
  const secret = 'bench_secret'
  const child: ChildProcess = spawn(
    'wrangler',
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', dir, '--var', `ML_CALLBACK_HMAC_SECRET:${secret}`, '--var', 'UPLOAD_SIGNING_SECRET:bench', '--show-interactive-dev-session=false'],
    { stdio: 'ignore' },
  )
  const baseUrl = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break
    } catch {
      // starting
    }
    await sleep(200)
  }
  return {
    baseUrl,
    token: user.token,
    secret,
    stop() {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function setupAnalysisTarget(s: BenchServer) {
  const auth = { Authorization: `Bearer ${s.token}` }
  const project = await (
    await fetch(`${s.baseUrl}/api/projects`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":"bench"}' })
  ).json()
  const form = new FormData()
  const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))
  form.append('file', new File([png], 'p.png', { type: 'image/png' }))
  const image = await (await fetch(`${s.baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: auth, body: form })).json()
  return {
    imageId: image.id as string,
    async newAnalysis(): Promise<string> {
      const res = await fetch(`${s.baseUrl}/api/images/${image.id}/analyses`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model_name: 'bench', model_version: '1' }),
      })
      return ((await res.json()) as { id: string }).id
    },
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
