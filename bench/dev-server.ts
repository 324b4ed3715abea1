import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { createUser } from '../src/cli/users'
import { listeningPorts, workerdPid } from './workerd-memory'

export interface BenchServer {
  baseUrl: string
  token: string
  secret: string
  /** The `wrangler dev` process; workerd runs as one of its descendants (see `workerdPid`). */
  pid: number
  /**
   * The same Worker straight from the workerd runtime, without wrangler's dev proxy (a JavaScript
   * hop in a second workerd that production does not have), or null when it cannot be found.
   */
  runtimeUrl: string | null
  /** The inspector `wrangler dev` proxies to workerd, when `inspectorPort` was given. */
  inspectorUrl: string | null
  stop(): void
}

export interface BenchServerOptions {
  /** Open wrangler's inspector proxy here (CPU profiles); without it wrangler picks 9229 or a free port. */
  inspectorPort?: number
  /** `--minify=false` keeps function names readable in CPU profiles; the default is wrangler.toml's. */
  minify?: boolean
  /** More `--var NAME:value` settings, after the defaults (bench/dispatch turns push on with them). */
  vars?: Record<string, string>
  /**
   * Hears every line `wrangler dev` prints, stdout and stderr: the Worker's JSON log lines among
   * them (test/e2e/trace-propagation.test.ts reads their trace ids). Without it the output is dropped.
   */
  onOutput?: (line: string) => void
}

/**
 * A throwaway `wrangler dev` with its own state directory, migrated, with one user: benchmarks
 * measure the real local stack, not a mock, and never touch the developer's data.
 */
export async function startBenchServer(port: number, options: BenchServerOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-'))
  process.env.LOUPE_PERSIST_TO = dir
  const migrate = spawnSync('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], { stdio: 'ignore' })
  if (migrate.status !== 0) throw new Error('migrations failed')
  const user = createUser('bench@loupe.local', 'Bench', { remote: false })
  const secret = 'bench_secret'
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', dir, '--var', `ML_CALLBACK_HMAC_SECRET:${secret}`, '--var', 'UPLOAD_SIGNING_SECRET:bench', '--var', 'PIPELINE_SECRETS_KEY:bench', '--var', 'ML_PIPELINE_PULL_ENABLED:true', '--show-interactive-dev-session=false']
  if (options.inspectorPort) args.push('--inspector-port', String(options.inspectorPort))
  if (options.minify !== undefined) args.push(`--minify=${options.minify}`)
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`)
  const { onOutput } = options
  const child: ChildProcess = spawn('wrangler', args, { stdio: onOutput ? ['ignore', 'pipe', 'pipe'] : 'ignore' })
  for (const stream of [child.stdout, child.stderr]) if (stream && onOutput) createInterface({ input: stream }).on('line', onOutput)
  const baseUrl = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) break
    } catch {
      // starting
    }
    await sleep(200)
  }
  const server = {
    baseUrl,
    runtimeUrl: null as string | null,
    token: user.token,
    secret,
    pid: child.pid!,
    inspectorUrl: options.inspectorPort ? `http://127.0.0.1:${options.inspectorPort}` : null,
    stop() {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
  server.runtimeUrl = await runtimeBaseUrl(server).catch(() => null)
  return server
}

export async function setupAnalysisTarget(s: BenchServer) {
  const auth = { Authorization: `Bearer ${s.token}` }
  const project = await (
    await fetch(`${s.baseUrl}/api/projects`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"name":"bench"}' })
  ).json()
  const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))
  const uploadImage = async (): Promise<string> => {
    const form = new FormData()
    form.append('file', new File([png], 'p.png', { type: 'image/png' }))
    return ((await (await fetch(`${s.baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: auth, body: form })).json()) as { id: string }).id
  }
  const first = await uploadImage()
  let current = first
  let onCurrent = 0
  return {
    projectId: project.id as string,
    imageId: first,
    uploadImage,
    /** A new analysis; a new image every 40, since an image takes at most ML_MAX_ANALYSES_PER_IMAGE (50). */
    async newAnalysis(imageId?: string): Promise<string> {
      if (!imageId && onCurrent === 40) {
        current = await uploadImage()
        onCurrent = 0
      }
      if (!imageId) onCurrent++
      const res = await fetch(`${s.baseUrl}/api/images/${imageId ?? current}/analyses`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model_name: 'bench', model_version: '1' }),
      })
      const json = (await res.json()) as { id: string }
      if (!res.ok) throw new Error(`new analysis: ${res.status} ${JSON.stringify(json)}`)
      return json.id
    },
  }
}

/**
 * The Worker served straight by the workerd runtime, without wrangler's dev proxy in front (a hop
 * production does not have): the runtime's listening port that answers /api/health.
 */
export async function runtimeBaseUrl(s: BenchServer): Promise<string> {
  for (const port of listeningPorts(workerdPid(s.pid))) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2000) })
      if (res.ok && ((await res.json()) as { status?: string }).status === 'ok') return `http://127.0.0.1:${port}`
    } catch {
      // the inspector or another socket
    }
  }
  throw new Error('the workerd runtime serves no /api/health')
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
