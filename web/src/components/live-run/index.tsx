import type { ConnectionStatus } from '../../lib/analysis-state'
import { formatDuration } from '../../lib/format'
import type { Analysis, LogLine, Stage } from '../../lib/types'
import { isTerminal } from '../../lib/types'
import { LogConsole } from '../log-console'
import styles from './style.module.css'

interface Props {
  analysis: Analysis
  stages: readonly Stage[]
  message: string | null
  connection: ConnectionStatus
  logs: readonly LogLine[]
}

const CONNECTION_TEXT: Record<ConnectionStatus, string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'stream closed',
}

export function LiveRun({ analysis: a, stages, message, connection, logs }: Props) {
  const pct = Math.round(Math.max(0, Math.min(1, a.status === 'completed' ? 1 : a.progress)) * 100)
  const running = !isTerminal(a.status)
  return (
    <div class={styles.run}>
      <div class={styles.head}>
        <span data-testid="current-stage">{a.stage ?? (running ? 'waiting' : a.status)}</span>
        <span class={styles.connection} data-state={connection} data-testid="live-status">
          <span class={styles.dot} aria-hidden="true" />
          {CONNECTION_TEXT[connection]}
        </span>
      </div>
      <div
        class={styles.bar}
        role="progressbar"
        aria-label="Analysis progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}%${a.stage ? `, ${a.stage}` : ''}`}
        data-testid="progress-bar"
        data-status={a.status}
      >
        <span style={{ width: `${pct}%` }} />
      </div>
      <div class={styles.under}>
        <span>{pct}%</span>
        {message && <span class={styles.message}>{message}</span>}
      </div>
      {stages.length > 0 && (
        <ol class={styles.stages} data-testid="stages">
          {stages.map((s) => (
            <li key={s.name + s.started_at} data-done={s.ended_at || !running ? '' : undefined} data-testid="stage">
              <span>{s.name}</span>
              <span class="muted" data-testid="stage-state">{s.ended_at ? formatDuration(s.duration_ms) : running ? 'running' : a.status}</span>
            </li>
          ))}
        </ol>
      )}
      <LogConsole lines={logs} analysisId={a.id} fileName={`${a.model_name}-${a.model_version}-${a.id.slice(0, 8)}.log`} />
    </div>
  )
}
