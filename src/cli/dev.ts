import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { readyBanner } from './dev-banner'
import { DEMO_PROJECT, findDemo, seedDemo } from './demo-seed'
import { loadDevVars, settingsFromEnv } from './dev-vars'
import { createUser } from './users'

/**
 * `npm run dev`: everything a fresh clone needs, in order. Builds the viewer, applies migrations to
 * the local D1, creates the demo user, starts `wrangler dev`, seeds the demo through real signed
 * callbacks, and prints a sign-in link and the settings a pipeline needs. Ctrl-C stops it all.
 * Only a server that does not start ends it: a failed demo seeding is reported and serving goes on.
 */
const port = Number(process.env.PORT ?? 8787)
const host = '127.0.0.1'
const baseUrl = `http://${host}:${port}`
const children: ChildProcess[] = []

function step(title: string, cmd: string, args: string[]) {
  console.log(`\n▸ ${title}`)
  const r = spawnSync(cmd, args, { stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`✗ ${title} failed (${cmd} ${args.join(' ')})`)
    process.exit(r.status ?? 1)
  }
}

function stopAll(code = 0) {
  for (const child of children) child.kill('SIGTERM')
  process.exit(code)
}
process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))

async function waitForHealth(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/api/health`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await sleep(300)
  }
  throw new Error(`wrangler dev did not answer ${baseUrl}/api/health within ${timeoutMs / 1000}s`)
}

// Throwaway local state for tests; the same variable points `npm run admin` at it.
const persist = process.env.LOUPE_PERSIST_TO ? ['--persist-to', process.env.LOUPE_PERSIST_TO] : []
const fromEnv = settingsFromEnv()
const vars = { ...loadDevVars(), ...fromEnv }
step('Building the viewer', 'vite', ['build', 'web', '--logLevel', 'warn'])
step('Applying D1 migrations (local)', 'wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', ...persist])

console.log('\n▸ Creating the demo user')
const demo = createUser('demo@loupe.local', 'Demo User', { remote: false })

console.log(`\n▸ Starting wrangler dev on ${baseUrl}`)
if (Object.keys(fromEnv).length) console.log(`  from the environment, over .dev.vars: ${Object.keys(fromEnv).join(', ')}`)
const overrides = Object.entries(fromEnv).flatMap(([name, value]) => ['--var', `${name}:${value}`])
const wrangler = spawn('wrangler', ['dev', '--ip', host, '--port', String(port), ...persist, ...overrides, '--show-interactive-dev-session=false'], {
  stdio: ['ignore', 'inherit', 'inherit'],
})
children.push(wrangler)
wrangler.on('exit', (code) => {
  console.error(`wrangler dev exited (${code})`)
  stopAll(code ?? 1)
})
// Rebuild the viewer on change; wrangler serves the fresh files from web/dist.
children.push(spawn('vite', ['build', 'web', '--watch', '--logLevel', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] }))

try {
  await waitForHealth(90_000)
} catch (err) {
  console.error(`✗ ${(err as Error).message}`)
  stopAll(1)
}

const secret = (vars.ML_CALLBACK_HMAC_SECRET ?? '').split(',')[0]!
console.log('\n▸ Seeding the demo through signed pipeline callbacks')
try {
  await seedDemo(baseUrl, demo.token, secret, (line) => console.log(`  ${line}`))
} catch (err) {
  // The demo is a convenience; the server is what was asked for, so it keeps running.
  console.error(`⚠ Seeding the demo stopped: ${(err as Error).message}`)
  console.error(`  Loupe keeps running. To seed again, delete the "${DEMO_PROJECT}" project and restart npm run dev.`)
}

const project = await findDemo(baseUrl, demo.token).catch(() => null)
console.log(`\n${readyBanner({ baseUrl, token: demo.token, secret, demo: project })}\n`)
