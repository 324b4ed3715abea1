import type { Config } from '../src/config'
import { isTerminal, type RunStatus, type StatusReason } from '../src/schemas/runs'
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
  code: StatusReason
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
 * The first timeout that applies to the run now, and when: a silent `processing` run fails after the
 * heartbeat timeout (every signed callback is a heartbeat); a `queued` run nobody picked up is
 * canceled after the queue timeout, counted from when it was queued last; a run not ended by its
 * deadline is canceled with the reason `deadline`.
 */
export function timeoutOf(s: RunState, config: Timeouts, queuedSince: string | null = s.created_at): Timeout | null {
  const due: Timeout[] = []
  if (s.status === 'processing') {
    const last = Date.parse(s.last_callback_at ?? s.started_at ?? s.created_at)
    due.push({ at: last + config.ML_HEARTBEAT_TIMEOUT_SECONDS * 1000, to: 'failed', reason: 'heartbeat timeout', action: 'heartbeat_timeout', code: 'heartbeat_timeout' })
  }
  if (s.status === 'queued' && queuedSince !== null) {
    const since = Math.max(Date.parse(queuedSince), s.requeued_at ? Date.parse(s.requeued_at) : 0)
    due.push({ at: since + config.ML_QUEUE_TIMEOUT_SECONDS * 1000, to: 'canceled', reason: 'queue timeout', action: 'queue_timeout', code: 'queue_timeout' })
  }
  if (s.deadline_at && !isTerminal(s.status)) {
    due.push({ at: Date.parse(s.deadline_at), to: 'canceled', reason: 'deadline passed', action: 'deadline', code: 'deadline' })
  }
  return due.sort((a, b) => a.at - b.at)[0] ?? null
}

/** When the lease of the worker holding the run may have run out: the alarm then asks D1. */
export const leaseDue = (s: RunState): number | null => (s.lease_expires_at && !isTerminal(s.status) ? Date.parse(s.lease_expires_at) : null)

/** When the alarm must next run, or null when nothing is pending: one alarm serves every deadline. */
export function nextDeadline(s: RunState, config: Timeouts, now: number, clock: KindClock = {}): number | null {
  const deadlines: number[] = []
  const timeout = timeoutOf(s, config, clock.queuedSince === undefined ? s.created_at : clock.queuedSince)
  if (timeout) deadlines.push(timeout.at)
  if (clock.workDue != null) deadlines.push(clock.workDue)
  const lease = leaseDue(s)
  if (lease !== null) deadlines.push(lease)
  if (s.progress_written_at < 0) deadlines.push(now + PROGRESS_WRITE_INTERVAL_MS)
  return deadlines.length ? Math.min(...deadlines) : null
}
