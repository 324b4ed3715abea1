import { parseArgs } from 'node:util'
import { LoupeClient } from '../client'
import type { AnalysisWithAnnotations } from '../types'
import { connectionOptions, requireToken, resolveConnection } from './config'
import { UsageError, type CliIO } from './io'

export const usage = `loupe status <analysis-id> [--json]
  Prints an analysis's status, progress, stage and annotation counts (GET /api/analyses/{id}).
  Needs a user token (--token / LOUPE_TOKEN).`

export async function status(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...connectionOptions, json: { type: 'boolean', default: false } },
  })
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new UsageError('give one analysis id')
  const connection = resolveConnection(values, io.env)
  const client = new LoupeClient({ baseUrl: connection.baseUrl, secret: null, token: requireToken(connection), maxRetries: 2 })
  const analysis = await client.getAnalysis(id)
  const counts = countByType(analysis)
  if (values.json) {
    const { annotations: _, ...rest } = analysis
    io.stdout.write(JSON.stringify({ ...rest, annotation_counts: counts }, null, 2) + '\n')
  } else {
    io.stdout.write(formatStatus(analysis, counts))
  }
  return 0
}

function countByType(analysis: AnalysisWithAnnotations): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const a of analysis.annotations ?? []) counts[a.annotation_type] = (counts[a.annotation_type] ?? 0) + 1
  return counts
}

export function formatStatus(a: AnalysisWithAnnotations, counts: Record<string, number>): string {
  const byType = Object.entries(counts)
    .sort(([, x], [, y]) => y - x)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ')
  const rows: [string, string | null | undefined][] = [
    ['analysis', a.id],
    ['model', `${a.model_name} ${a.model_version}`],
    ['status', a.status],
    ['progress', `${(a.progress * 100).toFixed(1)}%${a.stage ? `  (stage: ${a.stage})` : ''}`],
    ['annotations', `${a.annotation_count}${byType ? `: ${byType}` : ''}`],
    ['created', a.created_at],
    ['started', a.started_at],
    ['completed', a.completed_at && `${a.completed_at}${duration(a.started_at ?? a.created_at, a.completed_at)}`],
    ['error', a.error_message],
  ]
  return rows
    .filter((row): row is [string, string] => Boolean(row[1]))
    .map(([k, v]) => `${k.padEnd(12)} ${v}\n`)
    .join('')
}

function duration(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) && ms >= 0 ? `  (took ${(ms / 1000).toFixed(1)}s)` : ''
}
