import { analysisStub } from '../../../durable-objects/analysis-object'
import type { RpcMeta } from '../../app-env'
import { AppError, unwrapRpc } from '../../errors'

/** How many cancels one request sends at once, and at most in all: each is a call into a run's object. */
const CONCURRENCY = 10
export const MAX_CANCELS_PER_REQUEST = 1000

export interface CancelOutcome {
  canceled: number
  /** Already finished when the cancel arrived. */
  unchanged: number
  /** Beyond MAX_CANCELS_PER_REQUEST: ask again for the rest. */
  remaining: number
}

/**
 * Cancels runs through their objects, a few at a time: each object stays the only writer of its
 * status, so a cancel racing the pipeline's finalize has exactly one winner.
 */
export async function cancelAnalyses(env: Env, ids: string[], userId: string, meta: RpcMeta): Promise<CancelOutcome> {
  const now = ids.slice(0, MAX_CANCELS_PER_REQUEST)
  const outcome: CancelOutcome = { canceled: 0, unchanged: 0, remaining: ids.length - now.length }
  for (let i = 0; i < now.length; i += CONCURRENCY) {
    const results = await Promise.allSettled(now.slice(i, i + CONCURRENCY).map((id) => unwrapRpc(analysisStub(env, id).cancel(userId, meta))))
    for (const r of results) {
      if (r.status === 'fulfilled') outcome.canceled++
      // A run that finished first answers 409; anything else is a real failure.
      else if (r.reason instanceof AppError && r.reason.status === 409) outcome.unchanged++
      else throw r.reason
    }
  }
  return outcome
}
