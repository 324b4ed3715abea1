import { AppError, type RpcResult } from '../src/errors'
import { continueTrace, type TraceMeta } from '../src/observability/propagation'

/**
 * Expected failures travel as values: RPC would strip an AppError down to its message. With the
 * caller's `meta`, the call continues the caller's trace, so the object's log lines carry its ids.
 */
export async function asRpcResult<T>(fn: () => Promise<T>, meta?: Partial<TraceMeta>): Promise<RpcResult<T>> {
  return continueTrace(meta, async () => {
    try {
      return { ok: true as const, value: await fn() }
    } catch (err) {
      if (err instanceof AppError) return { ok: false as const, error: err.toJSON().error, status: err.status }
      throw err
    }
  })
}
