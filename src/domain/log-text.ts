import type { LogLine } from '../schemas/events'

/** The plain-text log download: one line each, timestamp, level and stage first, as a terminal shows it. */
export function formatLogText(lines: LogLine[]): string {
  return lines.map((l) => `${l.ts} ${l.level.toUpperCase().padEnd(7)} ${l.stage ? `[${l.stage}] ` : ''}${l.message}\n`).join('')
}
