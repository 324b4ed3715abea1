#!/usr/bin/env node
/**
 * `loupe`: sign callbacks, simulate a pipeline, watch analyses, and start and watch jobs from a terminal.
 * The only module of the package that uses Node APIs (with ./cli/).
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { LoupeError } from './errors'
import { processIO, UsageError, type CliIO } from './cli/io'
import * as job from './cli/job'
import * as sign from './cli/sign'
import * as simulate from './cli/simulate'
import * as status from './cli/status'
import * as tail from './cli/tail'
import * as worker from './cli/worker'
import { VERSION } from './version'

type Command = (argv: string[], io: CliIO) => Promise<number>

const commands: Record<string, { run: Command; usage: string }> = {
  job: { run: job.job, usage: job.usage },
  sign: { run: sign.sign, usage: sign.usage },
  simulate: { run: simulate.simulate, usage: simulate.usage },
  status: { run: status.status, usage: status.usage },
  tail: { run: tail.tail, usage: tail.usage },
  worker: { run: worker.worker, usage: worker.usage },
}

const connection = `Connection (every command but sign): --url (LOUPE_URL or API_BASE_URL, default http://127.0.0.1:8787),
  --token (LOUPE_TOKEN, a user API token), --secret (ML_CALLBACK_HMAC_SECRET),
  --key (LOUPE_API_KEY, a pipeline key, for worker).`

export const help = `loupe ${VERSION}: the Loupe pipeline CLI

${Object.values(commands)
  .map((c) => c.usage)
  .join('\n\n')}

${connection}`

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(`${help}\n`)
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`)
    return 0
  }
  const command = commands[name]
  if (!command) {
    io.stderr.write(`loupe: unknown command "${name}"\n\n${help}\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n\n${connection}\n`)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`loupe ${name}: ${(err as Error).message}\n\n${command.usage}\n`)
      return 2
    }
    io.stderr.write(`loupe ${name}: ${err instanceof LoupeError ? err.toString() : (err as Error)?.message ?? String(err)}\n`)
    return 1
  }
}

function invokedDirectly(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

// `node dist/cli.js` or `tsx src/cli.ts`; bin/loupe.js and the tests import it and call main() themselves.
if (invokedDirectly()) process.exitCode = await main(process.argv.slice(2))
