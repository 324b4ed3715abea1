import { LOG_LEVELS, MAX_LOG_LINES_PER_REQUEST, type LogLevel, type LogLine } from './types'

export { MAX_LOG_LINES_PER_REQUEST }

export const MAX_LOG_MESSAGE_CHARS = 8000
export const MAX_STAGE_CHARS = 100
export const MAX_PROGRESS_MESSAGE_CHARS = 2000
export const MAX_ERROR_MESSAGE_CHARS = 10_000
/** The server takes JSON bodies up to 1 MiB on the log route; leave room for the envelope. */
export const MAX_LOG_BATCH_BYTES = 900_000

/** Levels the SDK accepts: the server's four, plus `warn`, `critical`, `fatal` and `exception`. */
export type LevelLike = LogLevel | 'warn' | 'critical' | 'fatal' | 'exception' | Uppercase<LogLevel | 'warn'>

export function normalizeLevel(level: string): LogLevel {
  const name = String(level).trim().toLowerCase()
  if (name === 'warn') return 'warning'
  if (name === 'critical' || name === 'fatal' || name === 'exception') return 'error'
  if (!(LOG_LEVELS as readonly string[]).includes(name)) {
    throw new RangeError(`log level must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(level)}`)
  }
  return name as LogLevel
}

/** Clips to the server's length limits (which count UTF-16 code units, as `.length` does). */
export const clip = (text: string, limit: number): string => (text.length <= limit ? text : text.slice(0, limit - 1) + '…')

const encoder = new TextEncoder()

/** Splits lines into requests of at most `maxLines` lines and about `maxBytes` of JSON each. */
export function* logBatches(lines: readonly LogLine[], maxLines: number, maxBytes = MAX_LOG_BATCH_BYTES): Generator<LogLine[]> {
  let batch: LogLine[] = []
  let size = 0
  for (const line of lines) {
    const bytes = encoder.encode(JSON.stringify(line)).byteLength + 1
    if (batch.length && (batch.length >= maxLines || size + bytes > maxBytes)) {
      yield batch
      batch = []
      size = 0
    }
    batch.push(line)
    size += bytes
  }
  if (batch.length) yield batch
}
