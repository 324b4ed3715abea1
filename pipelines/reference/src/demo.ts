/**
 * `npm run demo`: with `npm run dev` running, analyzes every photo of the seeded "Demo" project
 * with the real models, so the viewer shows the stages, logs and results arrive live.
 *
 * Defaults fit `npm run dev`: the server at http://127.0.0.1:$PORT (8787 when PORT is unset, as
 * `npm run dev` does; LOUPE_URL or API_BASE_URL override it); the secret from the repository's
 * .dev.vars; and, without LOUPE_TOKEN, a fresh token for the demo user minted with
 * `npm run admin -- create-token` against the same local D1.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { devServerUrl } from './dev-server-url'
import { adapterSettings, clientFor, launch } from './launch'
import { findProject, projectImages } from './loupe-api'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const DEMO_EMAIL = 'demo@loupe.local'
const DEMO_PROJECT = process.env.DEMO_PROJECT ?? 'Demo'

function devSecret(): string {
  if (process.env.ML_CALLBACK_HMAC_SECRET) return process.env.ML_CALLBACK_HMAC_SECRET
  const file = `${REPO_ROOT}.dev.vars`
  const line = existsSync(file) && /^\s*ML_CALLBACK_HMAC_SECRET\s*=\s*"?([^"\n]*)"?\s*$/m.exec(readFileSync(file, 'utf8'))
  if (!line) throw new Error('no ML_CALLBACK_HMAC_SECRET: set it, or run `npm run dev` once so .dev.vars exists')
  return line[1]!
}

function devToken(): string {
  if (process.env.LOUPE_TOKEN) return process.env.LOUPE_TOKEN
  console.log(`minting a token for ${DEMO_EMAIL} (set LOUPE_TOKEN to skip this)`)
  const admin = spawnSync('npm', ['run', '--silent', 'admin', '--', 'create-token', '--email', DEMO_EMAIL, '--name', 'reference pipeline demo'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
  const last = admin.stdout?.trim().split('\n').at(-1) ?? ''
  if (admin.status !== 0 || !last.startsWith('{')) {
    throw new Error(`could not mint a token (is \`npm run dev\` running, or has it run once?): ${admin.stderr || last}`)
  }
  return (JSON.parse(last) as { token: string }).token
}

async function main(): Promise<number> {
  const baseUrl = devServerUrl()
  const health = await fetch(`${baseUrl}/api/health`).catch(() => null)
  if (!health?.ok) {
    const how = process.env.PORT ? `PORT=${process.env.PORT} npm run dev` : '`npm run dev`'
    throw new Error(`Loupe does not answer at ${baseUrl}; start it with ${how} at the repository root (or set LOUPE_URL)`)
  }
  const client = clientFor(baseUrl, devToken(), devSecret())
  const project = await findProject(client, DEMO_PROJECT)
  if (!project) throw new Error(`no project named "${DEMO_PROJECT}" for this user; \`npm run dev\` seeds it`)
  const images = await projectImages(client, project.id)
  console.log(`analyzing ${images.length} images of "${project.name}"; watch them at ${baseUrl}/projects/${project.id}`)
  return launch(client, images.map((image) => image.id), adapterSettings({}), { pauseMs: Number(process.env.DEMO_PAUSE_MS ?? 1500), invokedAs: 'npm run demo' })
}

try {
  process.exitCode = await main()
} catch (err) {
  console.error(`demo: ${(err as Error).message}`)
  process.exitCode = 1
}
