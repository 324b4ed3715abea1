import type { RunLifecycle } from '../src/schemas/runs'
import { analysisStub } from './analysis-object'
import { jobStub } from './job-object'
import type { RunObject } from './run-object'

/** The object of a run of either kind, for what every run's object answers alike (leases, cancel). */
export function runStub(env: Env, kind: 'analysis' | 'job', id: string): DurableObjectStub<RunObject<string, RunLifecycle>> {
  const stub = kind === 'analysis' ? analysisStub(env, id) : jobStub(env, id)
  return stub as unknown as DurableObjectStub<RunObject<string, RunLifecycle>>
}
