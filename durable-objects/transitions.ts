import type { AnalysisStatus } from '../src/schemas/analyses'

/**
 * The analysis state machine as a pure table. `finalize` may also jump straight from `queued`
 * to a terminal state, the guide's fast path for pipelines that never report `processing`.
 */
export const TRANSITIONS: Record<AnalysisStatus, readonly AnalysisStatus[]> = {
  queued: ['processing', 'canceled'],
  processing: ['completed', 'failed', 'canceled'],
  completed: [],
  failed: [],
  canceled: [],
}

export const FINALIZE_FAST_PATH: Record<AnalysisStatus, readonly AnalysisStatus[]> = {
  queued: ['completed', 'failed'],
  processing: [],
  completed: [],
  failed: [],
  canceled: [],
}

export const TERMINAL: ReadonlySet<AnalysisStatus> = new Set(['completed', 'failed', 'canceled'])

export type TransitionVia = 'status' | 'finalize' | 'cancel' | 'heartbeat'

export type TransitionResult =
  | { kind: 'noop' }
  | { kind: 'move'; from: AnalysisStatus; to: AnalysisStatus }
  | { kind: 'illegal'; from: AnalysisStatus; to: AnalysisStatus }

export function nextState(from: AnalysisStatus, to: AnalysisStatus, via: TransitionVia): TransitionResult {
  if (from === to) return { kind: 'noop' }
  if (TRANSITIONS[from].includes(to)) return { kind: 'move', from, to }
  if (via === 'finalize' && FINALIZE_FAST_PATH[from].includes(to)) return { kind: 'move', from, to }
  return { kind: 'illegal', from, to }
}
