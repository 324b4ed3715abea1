import { TERMINAL_STATUSES, type LiveMessage, type LogLine } from '../types'

const time = (iso: string | undefined) => (iso && iso.length >= 23 ? iso.slice(11, 23) : (iso ?? ''))
const percent = (p: number) => `${(p * 100).toFixed(1)}%`

export function formatLogLine(line: LogLine): string {
  return `${time(line.ts)} ${line.level.padEnd(7)} ${line.stage ? `[${line.stage}] ` : ''}${line.message}`
}

/** One live message as terminal lines (UTC times): `HH:MM:SS.mmm kind details`. */
export function formatLiveMessage(message: LiveMessage): string[] {
  switch (message.type) {
    case 'connected':
      return [`connected to analysis ${message.analysis_id} (seq ${message.seq})`]
    case 'snapshot': {
      const a = message.analysis
      const stages = message.stages.map((s) => `${s.name}${s.duration_ms === null ? ' (running)' : ` ${(s.duration_ms / 1000).toFixed(2)}s`}`)
      return [
        `snapshot${message.reset ? ' (reset: history was trimmed)' : ''}: ${a.status} ${percent(a.progress)}${a.stage ? ` [${a.stage}]` : ''}, ${a.annotation_count} annotations`,
        ...(stages.length ? [`stages: ${stages.join(', ')}`] : []),
        ...message.logs.map(formatLogLine),
      ]
    }
    case 'status':
      return [`${time(message.at)} status    ${message.analysis.status}${message.analysis.error_message ? `: ${message.analysis.error_message}` : ''}`]
    case 'progress':
      return [`${time(message.at)} progress  ${percent(message.progress)}${message.stage ? ` [${message.stage}]` : ''}${message.message ? ` ${message.message}` : ''}`]
    case 'log':
      return message.lines.map(formatLogLine)
    case 'annotations':
      return [
        `${time(message.at)} annotations ${message.replace ? 'replaced by ' : '+'}${message.annotations.length} (${message.annotation_count} in all)`,
      ]
    case 'artifact': {
      const a = message.artifact
      return [`${time(message.at)} artifact  ${a.artifact_type} ${a.filename}${a.bytes === null ? '' : ` (${a.bytes} bytes)`} ${a.status}`]
    }
    case 'finalized':
      return [`${time(message.at)} finalized ${message.analysis.status}${message.analysis.error_message ? `: ${message.analysis.error_message}` : ''}`]
  }
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES)
export const isTerminal = (status: string) => TERMINAL.has(status)

/**
 * The final status once nothing more will come: a `finalized` event, or a snapshot of an analysis
 * that is already final. (A final `status` event is followed by `finalized`, so it does not count.)
 */
export function finalStatus(message: LiveMessage): string | undefined {
  if (message.type === 'finalized') return message.analysis.status
  if (message.type === 'snapshot' && isTerminal(message.analysis.status)) return message.analysis.status
  return undefined
}
