import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { HEADER, markdownRow, type Row } from './report'

/**
 * `npm run bench`: every `bench/<name>/run.ts`, one after another (they would share the two
 * cores otherwise), each on its own port, then one Markdown table with the machine it ran on,
 * printed and written to bench/results/results.md beside each benchmark's full output.
 * BENCH_ONLY=a,b or BENCH_SKIP=a,b choose benchmarks; each stays runnable alone with tsx.
 */
const ORDER = ['bundle', 'ingest', 'callbacks', 'fanout', 'dispatch', 'export', 'viewer', 'profile']
const PORT = Number(process.env.BENCH_PORT ?? 8820)
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9320)
const OUT = 'bench/results'

const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()) : null)
const only = list(process.env.BENCH_ONLY)
const skip = list(process.env.BENCH_SKIP) ?? []
const found = readdirSync('bench', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`bench/${d.name}/run.ts`))
  .map((d) => d.name)
const names = [...ORDER.filter((n) => found.includes(n)), ...found.filter((n) => !ORDER.includes(n)).sort()].filter(
  (n) => (!only || only.includes(n)) && !skip.includes(n),
)

function machine() {
  const os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)"?/m)?.[1] ?? 'Linux'
  const wrangler = execFileSync('wrangler', ['--version'], { encoding: 'utf8' }).trim().split('\n').pop()
  // wrangler may carry its own workerd, newer than the top-level one.
  const pkg = ['node_modules/wrangler/node_modules/workerd/package.json', 'node_modules/workerd/package.json'].find((p) => existsSync(p))!
  const workerd = JSON.parse(readFileSync(pkg, 'utf8')).version as string
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores`,
    `- Memory: ${Math.round(totalmem() / 1024 ** 3)} GiB`,
    `- OS: ${os}, kernel ${release()}`,
    `- Node ${process.version}, wrangler ${wrangler}, workerd ${workerd}`,
  ].join('\n')
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')

function run(name: string, index: number): Promise<number> {
  return new Promise((resolve) => {
    const out: Buffer[] = []
    const child = spawn('tsx', [`bench/${name}/run.ts`], {
      env: { ...process.env, PORT: String(PORT + index), INSPECTOR_PORT: String(INSPECTOR_PORT + index), BENCH_ROWS_FILE: `${OUT}/rows.jsonl` },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    child.stdout.on('data', (d: Buffer) => {
      out.push(d)
      process.stdout.write(d)
    })
    child.on('close', (code) => {
      writeFileSync(`${OUT}/${name}.txt`, Buffer.concat(out))
      resolve(code ?? 1)
    })
  })
}

mkdirSync(OUT, { recursive: true })
rmSync(`${OUT}/rows.jsonl`, { force: true })
rmSync(`${OUT}/profiles.md`, { force: true })
console.log(`Building the viewer (wrangler dev serves it; bench/viewer and bench/bundle measure it)…`)
execFileSync('vite', ['build', 'web', '--logLevel', 'warn'], { stdio: 'inherit' })

const started = new Date()
const loadBefore = load()
const failed: Row[] = []
for (const [i, name] of names.entries()) {
  console.log(`\n## bench/${name} (load average ${load()})\n`)
  const before = existsSync(`${OUT}/rows.jsonl`) ? readFileSync(`${OUT}/rows.jsonl`, 'utf8').length : 0
  const code = await run(name, i)
  const after = existsSync(`${OUT}/rows.jsonl`) ? readFileSync(`${OUT}/rows.jsonl`, 'utf8').length : 0
  if (code !== 0) failed.push({ benchmark: name, measure: `failed with exit code ${code}`, value: `see ${OUT}/${name}.txt` })
  else if (after === before) failed.push({ benchmark: name, measure: 'printed no table rows', value: `output in ${OUT}/${name}.txt` })
}

const rows = [
  ...(existsSync(`${OUT}/rows.jsonl`) ? readFileSync(`${OUT}/rows.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) : []),
  ...failed,
]
const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(0)
const report = [
  `# Benchmark results`,
  '',
  `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes} min, load average (1, 5, 15 min) ${loadBefore} before and ${load()} after.`,
  '',
  machine(),
  '',
  HEADER,
  ...rows.map(markdownRow),
  '',
  ...(existsSync(`${OUT}/profiles.md`) ? [readFileSync(`${OUT}/profiles.md`, 'utf8')] : []),
].join('\n')
writeFileSync(`${OUT}/results.md`, report + '\n')
console.log(`\n${report}\nWritten to ${OUT}/results.md`)
if (failed.some((r) => r.measure.startsWith('failed'))) process.exitCode = 1
