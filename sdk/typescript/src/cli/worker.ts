import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { LoupeClient } from '../client'
import { errorText } from '../run-handle'
import type { ClaimKind } from '../types'
import { runWorker, type WorkerOptions } from '../worker'
import { connectionOptions, requireApiKey, resolveConnection } from './config'
import { UsageError, type CliIO } from './io'

export const usage = `loupe worker --handler <module> [--kinds analysis,job] [--batch <n>] [--wait <seconds>]
  Claims work as a pipeline (docs/dispatch.md#pull-claims) and runs it with the module's
  \`analysis\` and \`job\` exports, handlers like runWorker's: (run, claimed, signal). Prints one
  line per run: its id, kind and how it ended. SIGTERM or SIGINT gives back the runs it holds, so
  another worker takes them at once, and exits 0; a second one exits at once. Needs a pipeline key.`

const KINDS: ClaimKind[] = ['analysis', 'job']

export async function worker(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...connectionOptions,
      handler: { type: 'string' },
      kinds: { type: 'string' },
      batch: { type: 'string', default: '1' },
      wait: { type: 'string', default: '20' },
    },
  })
  if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')}`)
  if (!values.handler) throw new UsageError('--handler names the module that exports the analysis and job handlers')
  const kinds = values.kinds?.split(',').map((k) => k.trim()) ?? KINDS
  const unknown = kinds.filter((k) => !(KINDS as string[]).includes(k))
  if (unknown.length || !kinds.length) throw new UsageError(`--kinds takes analysis, job or both, not "${values.kinds}"`)
  const batch = Number(values.batch)
  if (!Number.isInteger(batch) || batch < 1 || batch > 20) throw new UsageError('--batch is a whole number from 1 to 20')
  const waitSeconds = Number(values.wait)
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 20) throw new UsageError('--wait is a whole number of seconds from 0 to 20')
  const connection = resolveConnection(values, io.env)
  const apiKey = requireApiKey(connection)

  const handlers = (await import(pathToFileURL(resolve(values.handler)).href)) as Pick<WorkerOptions, 'analysis' | 'job'>
  const wanted = (kind: ClaimKind) => kinds.includes(kind) && typeof handlers[kind] === 'function'
  // Named kinds must each have a handler; left to the default, the module's exports decide.
  const missing = values.kinds ? kinds.filter((k) => !wanted(k as ClaimKind)) : KINDS.every((k) => !wanted(k)) ? KINDS : []
  if (missing.length) throw new UsageError(`${values.handler} exports no ${missing.join(' or ')} handler`)

  const client = new LoupeClient({
    baseUrl: connection.baseUrl,
    apiKey,
    secret: connection.secret ?? null,
    logger: { debug() {}, warn: (message) => io.stderr.write(`${message}\n`) },
  })
  const handled = await runWorker(client, {
    ...(wanted('analysis') && { analysis: handlers.analysis! }),
    ...(wanted('job') && { job: handlers.job! }),
    batch,
    waitSeconds,
    handleSignals: true,
    onRun: (run, outcome, error) => {
      const why = outcome === 'failed' && error !== undefined ? `  ${errorText(error)}` : ''
      io.stdout.write(`${run.id}  ${run.kind}  ${outcome}${why}\n`)
    },
  })
  io.stderr.write(`loupe worker: stopped after ${handled} run${handled === 1 ? '' : 's'}\n`)
  return 0
}
