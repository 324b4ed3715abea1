import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/**
 * `npm run typecheck`, the first step of `npm test`: every TypeScript program in the repository,
 * each with its own tsconfig, checked on all cores at once. Exits 1 on any type error.
 *
 * Each run keeps a `.tsbuildinfo` under node_modules/.cache, so a second run only checks what
 * changed; a fresh clone (CI) checks everything.
 */
interface Program {
  name: string
  tsconfig: string
  /** Run first; the program's dependencies may not be installed yet. */
  prepare?: () => void
}

const PROGRAMS: Program[] = [
  { name: 'Worker, Durable Objects and worker tests', tsconfig: 'tsconfig.json' },
  { name: 'CLI (src/cli)', tsconfig: 'src/cli/tsconfig.json' },
  { name: 'viewer (web)', tsconfig: 'web/tsconfig.json' },
  // With its tests, so the type-level assertions in package.test.ts are checked, not only run.
  { name: 'TypeScript SDK and its tests', tsconfig: 'sdk/typescript/tsconfig.json' },
  // The published entry point without Node's types: the runtime code needs Web APIs alone.
  { name: 'TypeScript SDK as published (Web APIs only)', tsconfig: 'sdk/typescript/tsconfig.build.json' },
  { name: 'e2e and unit tests, benchmarks', tsconfig: 'test/tsconfig.json' },
  { name: 'reference pipeline', tsconfig: 'pipelines/reference/tsconfig.json', prepare: installReferencePipeline },
]

/** The reference pipeline has its own package (its model files stay out of the main install). */
function installReferencePipeline() {
  const dir = 'pipelines/reference'
  if (existsSync(`${dir}/node_modules`)) return
  console.log(`installing ${dir} (npm ci, once)`)
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] })
  if (ci.status !== 0) throw new Error(`npm ci in ${dir} failed (${ci.status ?? ci.signal})`)
}

function check(program: Program): Promise<{ ok: boolean; output: string; seconds: number }> {
  const started = performance.now()
  const cache = 'node_modules/.cache/typecheck'
  mkdirSync(cache, { recursive: true })
  const buildInfo = `${cache}/${program.tsconfig.replaceAll('/', '_')}.tsbuildinfo`
  const args = ['--noEmit', '--pretty', '-p', program.tsconfig, '--incremental', '--tsBuildInfoFile', buildInfo]
  return new Promise((resolve) => {
    const tsc = spawn('tsc', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    tsc.stdout.on('data', (chunk) => (output += chunk))
    tsc.stderr.on('data', (chunk) => (output += chunk))
    tsc.on('close', (code) => resolve({ ok: code === 0, output, seconds: (performance.now() - started) / 1000 }))
  })
}

async function main(): Promise<number> {
  for (const program of PROGRAMS) program.prepare?.()
  const queue = [...PROGRAMS]
  let failed = 0
  const worker = async () => {
    for (let program = queue.shift(); program; program = queue.shift()) {
      const result = await check(program)
      console.log(`${result.ok ? '✓' : '✗'} ${program.name} (${program.tsconfig}, ${result.seconds.toFixed(1)} s)`)
      if (!result.ok) {
        failed++
        process.stdout.write(result.output)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), queue.length) }, worker))
  if (failed) console.error(`✗ type errors in ${failed} of ${PROGRAMS.length} programs`)
  return failed ? 1 : 0
}

process.exitCode = await main()
