import { execFileSync } from 'node:child_process'

/** Runs SQL against the app's D1 through wrangler: the local state `npm run dev` uses, or --remote. */
export function d1Execute<T = Record<string, unknown>>(sql: string, remote: boolean): T[] {
  const target = remote ? ['--remote'] : ['--local', ...(process.env.LOUPE_PERSIST_TO ? ['--persist-to', process.env.LOUPE_PERSIST_TO] : [])]
  const out = execFileSync('wrangler', ['d1', 'execute', 'DB', ...target, '--json', '--command', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const parsed = JSON.parse(out) as { results: T[]; success: boolean }[]
  return parsed.flatMap((r) => r.results ?? [])
}

/** SQL string literal; values here are emails and names typed by an operator. */
export const lit = (v: string | null) => (v === null ? 'NULL' : `'${v.replace(/'/g, "''")}'`)
