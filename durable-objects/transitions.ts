import type { RunStatus } from '../src/schemas/runs'

/**
 * The run state machine as a pure table (docs/state-machine.md). `finalize` may also jump straight
 * from `queued` to a terminal state: the fast path for pipelines that never report `processing`.
 */
export const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['processing', 'canceled'],
  processing: ['completed', 'failed', 'canceled'],
  completed: [],
  failed: [],
  canceled: [],
}

export const FINALIZE_FAST_PATH: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['completed', 'failed'],
  processing: [],
  completed: [],
  failed: [],
  canceled: [],
}

/**
 * The one way back: a run whose worker's lease ran out, or that its worker gave back, returns to
 * `queued` for another worker to claim (docs/dispatch.md#leases). Only the run's object takes it,
 * never a callback.
 */
export const REQUEUE: Record<RunStatus, readonly RunStatus[]> = {
  queued: [],
  processing: ['queued'],
  completed: [],
  failed: [],
  canceled: [],
}

export type TransitionVia = 'status' | 'finalize' | 'cancel' | 'heartbeat' | 'requeue'

export type TransitionResult =
  | { kind: 'noop' }
  | { kind: 'move'; from: RunStatus; to: RunStatus }
  | { kind: 'illegal'; from: RunStatus; to: RunStatus }

export function nextState(from: RunStatus, to: RunStatus, via: TransitionVia): TransitionResult {
  if (from === to) return { kind: 'noop' }
  if (TRANSITIONS[from].includes(to)) return { kind: 'move', from, to }
  if (via === 'finalize' && FINALIZE_FAST_PATH[from].includes(to)) return { kind: 'move', from, to }
  if (via === 'requeue' && REQUEUE[from].includes(to)) return { kind: 'move', from, to }
  return { kind: 'illegal', from, to }
}
