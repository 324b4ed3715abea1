import type { Config } from '../src/config'
import type { RunStatus } from '../src/schemas/runs'
import type { RunState } from './run-state'

/** D1 hears about progress at most this often; the alarm writes what is left. */
export const PROGRESS_WRITE_INTERVAL_MS = 1000

export type Timeouts = Pick<Config, 'ML_HEARTBEAT_TIMEOUT_SECONDS' | 'ML_QUEUE_TIMEOUT_SECONDS'>

export interface Timeout {
  at: number
  to: RunStatus
  reason: string
  /** The audit action, after the run kind's prefix. */
  action: string
}

/**
 * The one timeout that applies to the run now, and when: a silent `processing` run fails after the
 * heartbeat timeout (every signed callback is a heartbeat); a `queued` run nobody picked up is
 * canceled after the queue timeout.
 */
export function timeoutOf(s: RunState, config: Timeouts): Timeout | null {
  if (s.status === 'processing') {
    const last = Date.parse(s.last_callback_at ?? s.started_at ?? s.created_at)
    return { at: last + config.ML_HEARTBEAT_TIMEOUT_SECONDS * 1000, to: 'failed', reason: 'heartbeat timeout', action: 'heartbeat_timeout' }
  }
  if (s.status === 'queued') {
    return { at: Date.parse(s.created_at) + config.ML_QUEUE_TIMEOUT_SECONDS * 1000, to: 'canceled', reason: 'queue timeout', action: 'queue_timeout' }
  }
  return null
}

/** When the alarm must next run, or null when nothing is pending: one alarm serves every deadline. */
export function nextDeadline(s: RunState, config: Timeouts, now: number): number | null {
  const deadlines: number[] = []
  const timeout = timeoutOf(s, config)
  if (timeout) deadlines.push(timeout.at)
  if (s.progress_written_at < 0) deadlines.push(now + PROGRESS_WRITE_INTERVAL_MS)
  return deadlines.length ? Math.min(...deadlines) : null
}
