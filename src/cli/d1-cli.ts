import { execFileSync } from 'node:child_process'

/** Which D1: the local state `npm run dev` uses, or the deployed one of a wrangler.toml environment. */
export interface D1Target {
  remote: boolean
  env?: string
}

/** Runs SQL against the app's D1 through wrangler. */
export function d1Execute<T = Record<string, unknown>>(sql: string, { remote, env }: D1Target): T[] {
  const where = remote ? ['--remote'] : ['--local', ...(process.env.LOUPE_PERSIST_TO ? ['--persist-to', process.env.LOUPE_PERSIST_TO] : [])]
  // `--env=` (empty) is wrangler's spelling of "the top level" when environments are defined.
  const out = execFileSync('wrangler', ['d1', 'execute', 'DB', ...where, `--env=${env ?? ''}`, '--json', '--command', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const parsed = JSON.parse(out) as { results: T[]; success: boolean }[]
  return parsed.flatMap((r) => r.results ?? [])
}

/** SQL string literal; values here are emails and names typed by an operator. */
export const lit = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`)
