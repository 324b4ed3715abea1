import { AppError, type RpcResult } from '../src/errors'

/** Expected failures travel as values: RPC would strip an AppError down to its message. */
export async function asRpcResult<T>(fn: () => Promise<T>): Promise<RpcResult<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: err.toJSON().error, status: err.status }
    throw err
  }
}
