import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { emit, int } from '../report'

/**
 * The Worker script as `wrangler deploy` would upload it for production, measured from
 * `wrangler deploy --dry-run --outdir` with esbuild's metafile. The baseline is the same bundle
 * without minification, built in the same run. Needs the viewer built (`vite build web`).
 */
const ENV = process.env.LOUPE_ENV ?? 'production'
const KB = 1024

function build(minify: boolean) {
  const outdir = mkdtempSync(join(tmpdir(), 'loupe-bundle-'))
  execFileSync('wrangler', ['deploy', '--dry-run', '--outdir', outdir, '--metafile', `--env=${ENV}`, `--minify=${minify}`], { stdio: 'ignore' })
  const script = readFileSync(join(outdir, 'index.js'))
  const meta = JSON.parse(readFileSync(join(outdir, 'bundle-meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>
  }
  return { raw: script.length, gzip: gzipSync(script, { level: 9 }).length, inputs: Object.values(meta.outputs).flatMap((o) => Object.entries(o.inputs)) }
}

/** `node_modules/@scope/name/…` → `@scope/name`; our own files → `loupe (src, durable-objects)`. */
function owner(path: string) {
  const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  return m ? m[1]! : 'loupe (src, durable-objects)'
}

const minified = build(true)
const plain = build(false)
const byOwner = new Map<string, number>()
for (const [path, { bytesInOutput }] of minified.inputs) byOwner.set(owner(path), (byOwner.get(owner(path)) ?? 0) + bytesInOutput)

console.log(`Worker script for --env ${ENV}`)
console.log('| build | raw | gzip | gzip ratio to unminified |')
console.log('|---|---|---|---|')
console.log(`| unminified (baseline) | ${(plain.raw / KB).toFixed(0)} KiB | ${(plain.gzip / KB).toFixed(0)} KiB | 1.00× |`)
console.log(`| minified (wrangler.toml) | ${(minified.raw / KB).toFixed(0)} KiB | ${(minified.gzip / KB).toFixed(0)} KiB | ${(minified.gzip / plain.gzip).toFixed(2)}× |`)
console.log('\nLargest contributors to the minified script (bytes before gzip):')
console.log('| package | KiB | share |')
console.log('|---|---|---|')
const total = [...byOwner.values()].reduce((a, b) => a + b, 0)
for (const [name, bytes] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
  console.log(`| ${name} | ${(bytes / KB).toFixed(0)} | ${((100 * bytes) / total).toFixed(0)} % |`)
}
emit([
  {
    benchmark: 'bundle',
    measure: `Worker script for --env ${ENV}, gzip (raw)`,
    value: `${int(minified.gzip / KB)} KiB (${int(minified.raw / KB)} KiB)`,
    baseline: `unminified ${int(plain.gzip / KB)} KiB (${int(plain.raw / KB)} KiB)`,
    ratio: Math.round((minified.gzip / plain.gzip) * 100) / 100,
    goal: '≤ 3 MB gzip (free plan)',
    met: minified.gzip <= 3 * 1024 * 1024,
  },
])
