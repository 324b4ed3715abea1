import { AppError, type ErrorCode } from '../src/errors'
import type { LogLine, RunEventBodies } from '../src/schemas/events'
import type { RunLifecycle } from '../src/schemas/runs'
import { publicRecord, type RunState } from './run-state'

/**
 * What a run says, to viewers and to pipelines, under its kind's own name: `analysis` in events
 * and `analysis_canceled` in errors for analyses. TypeScript cannot name a generic key, hence the casts.
 */
export const recordBody = <K extends string, R extends RunLifecycle>(kind: K, s: RunState<R>) =>
  ({ [kind]: publicRecord(s), stages: s.stages }) as RunEventBodies<K, R>['status']

export const snapshotMessage = (kind: string, s: RunState, seq: number, reset: boolean, logs: LogLine[]) => ({
  type: 'snapshot',
  seq,
  reset,
  [kind]: publicRecord(s),
  stages: s.stages,
  logs,
})

export const canceledError = (kind: string) => new AppError(409, `${kind}_canceled` as ErrorCode, `The ${kind} was canceled; stop working on it`)

export const finalizedError = (kind: string, s: RunState, why: string) =>
  new AppError(409, `${kind}_finalized` as ErrorCode, `The ${kind} is ${s.status}; ${why}`, { current_status: s.status })
