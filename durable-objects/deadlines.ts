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

/** What a kind of run adds to the clock: when its queue wait starts, and when its own work is due. */
export interface KindClock {
  /**
   * When a `queued` run's queue timeout starts counting, or null when it does not yet: a job waiting
   * for a slot in its project is not late. Defaults to `created_at`.
   */
  queuedSince?: string | null
  /** When the kind's own work (a dataset to freeze, analyses to cancel) next needs the alarm. */
  workDue?: number | null
}

/**
 * The one timeout that applies to the run now, and when: a silent `processing` run fails after the
 * heartbeat timeout (every signed callback is a heartbeat); a `queued` run nobody picked up is
 * canceled after the queue timeout.
 */
export function timeoutOf(s: RunState, config: Timeouts, queuedSince: string | null = s.created_at): Timeout | null {
  if (s.status === 'processing') {
    const last = Date.parse(s.last_callback_at ?? s.started_at ?? s.created_at)
    return { at: last + config.ML_HEARTBEAT_TIMEOUT_SECONDS * 1000, to: 'failed', reason: 'heartbeat timeout', action: 'heartbeat_timeout' }
  }
  if (s.status === 'queued' && queuedSince !== null) {
    return { at: Date.parse(queuedSince) + config.ML_QUEUE_TIMEOUT_SECONDS * 1000, to: 'canceled', reason: 'queue timeout', action: 'queue_timeout' }
  }
  return null
}

/** When the alarm must next run, or null when nothing is pending: one alarm serves every deadline. */
export function nextDeadline(s: RunState, config: Timeouts, now: number, clock: KindClock = {}): number | null {
  const deadlines: number[] = []
  const timeout = timeoutOf(s, config, clock.queuedSince === undefined ? s.created_at : clock.queuedSince)
  if (timeout) deadlines.push(timeout.at)
  if (clock.workDue != null) deadlines.push(clock.workDue)
  if (s.progress_written_at < 0) deadlines.push(now + PROGRESS_WRITE_INTERVAL_MS)
  return deadlines.length ? Math.min(...deadlines) : null
}
