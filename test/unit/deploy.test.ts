import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { unstable_readConfig } from 'wrangler'
import { configSchema } from '../../src/config'

/**
 * docs/deploy.md, checked against wrangler itself: each environment builds with
 * `wrangler deploy --dry-run` and no warning, every command on the page exists with the flags it
 * uses, and the names on the page are the ones wrangler.toml binds.
 */
const run = promisify(execFile)
const WRANGLER = resolve('node_modules/.bin/wrangler')
const quiet = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' }
const guide = readFileSync('docs/deploy.md', 'utf8')
const environments = ['staging', 'production'] as const

/** Each shell line of the guide's ```sh blocks, without its comment. */
const shellLines = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter(Boolean)

/** `npx wrangler a b c --x 1 --y` → { words: [a, b, c], flags: [--x, --y] }, across pipes. */
const wranglerCommands = shellLines
  .flatMap((line) => line.split('|'))
  .map((part) => part.trim())
  .filter((part) => part.startsWith('npx wrangler '))
  .map((part) => {
    const tokens = part.split(/\s+/).slice(2)
    const firstFlag = tokens.findIndex((t) => t.startsWith('-'))
    return {
      line: part,
      words: firstFlag === -1 ? tokens : tokens.slice(0, firstFlag),
      flags: tokens.filter((t) => t.startsWith('--')).map((t) => t.split('=')[0]!),
    }
  })

describe('wrangler deploy --dry-run', () => {
  it.each(['', ...environments])('builds environment "%s" with every binding and no warning', async (env) => {
    expect(existsSync('web/dist/index.html'), 'build the viewer first: vite build web').toBe(true)
    const outdir = mkdtempSync(join(tmpdir(), 'loupe-dry-run-'))
    const { stdout, stderr } = await run(WRANGLER, ['deploy', '--dry-run', '--outdir', outdir, `--env=${env}`], { env: quiet })
    const output = stdout + stderr
    expect(output).not.toMatch(/WARNING|ERROR/)
    expect(output).toContain('--dry-run: exiting now.')
    for (const binding of ['env.DB', 'env.BUCKET', 'env.ANALYSIS (AnalysisObject)', 'env.ASSETS']) expect(output).toContain(binding)

    // Workers refuse scripts over 3 MB gzipped on the free plan; docs/PERFORMANCE.md records the size.
    const gzipped = gzipSync(readFileSync(join(outdir, 'index.js'))).length
    expect(gzipped).toBeLessThan(3 * 1024 * 1024)
  }, 60_000)

  it('gives each deployed environment its own Worker, database and bucket', () => {
    const configs = environments.map((env) => unstable_readConfig({ config: 'wrangler.toml', env }))
    for (const key of ['name', 'd1', 'r2'] as const) {
      const values = configs.map((c) => (key === 'name' ? c.name : key === 'd1' ? c.d1_databases[0]?.database_name : c.r2_buckets[0]?.bucket_name))
      expect(new Set(values).size, key).toBe(environments.length)
    }
    for (const c of configs) expect(c.minify).toBe(true)
  })
})

describe('docs/deploy.md', () => {
  it('uses only wrangler commands and flags that exist', async () => {
    expect(wranglerCommands.length).toBeGreaterThanOrEqual(10)
    await Promise.all(
      wranglerCommands.map(async ({ line, words, flags }) => {
        const { stdout } = await run(WRANGLER, [...words, '--help'], { env: quiet })
        // A command wrangler does not know prints the top-level help instead of its own.
        expect(stdout, line).toMatch(new RegExp(`^wrangler ${words.filter((w) => !w.startsWith('<')).slice(0, 2).join(' ')}`, 'm'))
        for (const flag of flags) expect(stdout, `${line}: ${flag}`).toContain(flag)
      }),
    )
  }, 120_000)

  it('names the databases, buckets and queues that wrangler.toml binds, for both environments', () => {
    const created = wranglerCommands.filter((c) => c.words.includes('create')).map((c) => c.words.at(-1))
    const production = unstable_readConfig({ config: 'wrangler.toml', env: 'production' })
    expect(created).toEqual([production.d1_databases[0]!.database_name, production.r2_buckets[0]!.bucket_name, ...production.queues.producers!.map((q: { queue: string }) => q.queue)])
    for (const c of wranglerCommands.filter((c) => c.words.includes('cors'))) expect(c.words.at(-1)).toBe(production.r2_buckets[0]!.bucket_name)
    const staging = unstable_readConfig({ config: 'wrangler.toml', env: 'staging' })
    expect(guide).toContain(`\`${staging.d1_databases[0]!.database_name}\``)
    expect(guide).toContain(`\`${staging.r2_buckets[0]!.bucket_name}\``)
    for (const q of staging.queues.producers! as { queue: string }[]) expect(guide).toContain(`\`${q.queue}\``)
    for (const c of wranglerCommands.filter((c) => !['login', 'whoami', 'create'].some((w) => c.words.includes(w)))) {
      expect(c.line, 'every command names its environment').toMatch(/--env production/)
    }
  })

  it('sets only secrets that Loupe reads', () => {
    const secrets = wranglerCommands.filter((c) => c.words[0] === 'secret' && c.words[1] === 'put').map((c) => c.words[2]!)
    expect(secrets).toEqual(expect.arrayContaining(['ML_CALLBACK_HMAC_SECRET', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']))
    for (const name of secrets) expect(Object.keys(configSchema.shape)).toContain(name)
  })

  it('passes admin flags that the admin CLI accepts', async () => {
    const admin = shellLines.find((l) => l.startsWith('npm run admin -- '))!
    const args = admin.replace('npm run admin -- ', '').split(/\s+/)
    // An unknown command prints the usage and exits 2 before touching D1; an unknown flag exits 1 first.
    const result = await run(resolve('node_modules/.bin/tsx'), ['src/cli/admin.ts', 'no-such-command', ...args.slice(1)], { env: quiet }).catch((e) => e)
    expect(result.code, String(result.stderr)).toBe(2)
    const deploy = JSON.parse(readFileSync('package.json', 'utf8')).scripts.deploy as string
    expect(deploy, 'arguments after -- must reach wrangler deploy').toMatch(/wrangler deploy$/)
  }, 30_000)

  it('ships a CORS file in the shape `wrangler r2 bucket cors set` accepts', () => {
    const cors = JSON.parse(readFileSync('docs/r2-cors.json', 'utf8'))
    expect(Array.isArray(cors.rules)).toBe(true)
    for (const rule of cors.rules) {
      expect(Object.keys(rule)).not.toContain('AllowedOrigins')
      expect(rule.allowed.origins.length).toBeGreaterThan(0)
      // The viewer GETs masks into a canvas; uploads PUT with the content type the URL was signed for.
      expect(rule.allowed.methods).toEqual(expect.arrayContaining(['GET', 'PUT']))
      expect(rule.allowed.headers).toContain('content-type')
    }
  })
})
