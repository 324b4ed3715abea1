import { AppError } from '../src/errors'
import { isTerminal, type ProgressPatch, type RunLifecycle, type RunStatus, type Stage, type StatusReason } from '../src/schemas/runs'
import { nextState, type TransitionVia } from './transitions'

export type StageTiming = Stage

/** What a run's object keeps: the public record plus fields that only matter while it runs. */
export type RunState<R extends RunLifecycle = RunLifecycle> = R & {
  stages: StageTiming[]
  last_callback_at: string | null
  /**
   * When progress was last written through to D1 (progress is written at most once a second);
   * -1 while a progress change waits for the alarm to write it.
   */
  progress_written_at: number
  /** When the lease of the worker that claimed the run runs out, as the object last heard; the alarm then asks D1. */
  lease_expires_at?: string | null
  /** When the run last went back to `queued`: its queue timeout counts from then. */
  requeued_at?: string | null
}

const MAX_STAGES = 100

export const initialState = <R extends RunLifecycle>(record: R): RunState<R> => ({
  ...record,
  stages: [],
  last_callback_at: null,
  progress_written_at: 0,
})

export function publicRecord<R extends RunLifecycle>(s: RunState<R>): R {
  const { stages: _stages, last_callback_at: _last, progress_written_at: _written, lease_expires_at: _lease, requeued_at: _requeued, ...record } = s
  return record as unknown as R
}

/**
 * The state after moving to `to`, or null when the run is already there. Throws 409
 * `illegal_transition` for a move the table does not allow.
 */
export function applyTransition<S extends RunState>(
  s: S,
  to: RunStatus,
  via: TransitionVia,
  errorMessage: string | undefined,
  now: string,
  reason: StatusReason | null = null,
): S | null {
  const result = nextState(s.status, to, via)
  if (result.kind === 'noop') return null
  if (result.kind === 'illegal') {
    throw new AppError(409, 'illegal_transition', `Cannot move from ${s.status} to ${to}`, { current_status: s.status, requested_status: to })
  }
  const terminal = isTerminal(to)
  return {
    ...s,
    status: to,
    status_reason: reason,
    version: s.version + 1,
    updated_at: now,
    started_at: s.started_at ?? (to === 'processing' ? now : null),
    completed_at: terminal ? now : s.completed_at,
    progress: to === 'completed' ? 1 : s.progress,
    error_message: to === 'failed' || to === 'canceled' ? (errorMessage ?? s.error_message) : s.error_message,
    stages: terminal ? closeStages(s.stages, now) : s.stages,
  }
}

/**
 * Back to `queued` (docs/dispatch.md#leases), the one move no callback makes: the run starts over,
 * so the next worker's attempt has its own start, progress and stages. A queued run whose claim
 * lapsed stays queued, with the reason.
 */
export function applyRequeue<S extends RunState>(s: S, reason: StatusReason, now: string): S {
  if (s.status !== 'queued' && nextState(s.status, 'queued', 'requeue').kind !== 'move') {
    throw new AppError(409, 'illegal_transition', `Cannot move from ${s.status} to queued`, { current_status: s.status, requested_status: 'queued' })
  }
  return { ...s, status: 'queued', status_reason: reason, version: s.version + 1, updated_at: now, started_at: null, progress: 0, stage: null, stages: [], requeued_at: now, lease_expires_at: null }
}

/** The state after a progress report, or null when the patch names nothing to change. */
export function applyProgress<S extends RunState>(s: S, patch: ProgressPatch, now: string): S | null {
  if (patch.progress === undefined && patch.stage === undefined && patch.message === undefined) return null
  return {
    ...s,
    progress: nextProgress(s, patch.progress, patch.stage),
    stage: patch.stage ?? s.stage,
    stages: patch.stage ? enterStage(s.stages, patch.stage, now) : s.stages,
    updated_at: now,
  }
}

/** Closes the running stage and opens `name`; a stage's timing runs from its first report to the next stage's. */
export function enterStage(stages: StageTiming[], name: string, at: string): StageTiming[] {
  const current = stages.at(-1)
  if (current && current.name === name && current.ended_at === null) return stages
  const closed = stages.map((s) => (s.ended_at === null ? closeStage(s, at) : s))
  return [...closed, { name, started_at: at, ended_at: null, duration_ms: null }].slice(-MAX_STAGES)
}

export function closeStages(stages: StageTiming[], at: string): StageTiming[] {
  return stages.map((s) => (s.ended_at === null ? closeStage(s, at) : s))
}

function closeStage(s: StageTiming, at: string): StageTiming {
  return { ...s, ended_at: at, duration_ms: Math.max(0, Date.parse(at) - Date.parse(s.started_at)) }
}

/** Progress never goes backwards within a stage; a new stage may start lower. */
export function nextProgress(state: Pick<RunState, 'progress' | 'stage'>, progress: number | undefined, stage: string | undefined): number {
  if (progress === undefined) return state.progress
  const sameStage = stage === undefined || stage === state.stage
  return sameStage ? Math.max(state.progress, progress) : progress
}
