import type { AppEnv, RpcMeta } from '../app-env'
import { formatTraceparent } from './trace-context'

/** The request's id and trace, for the last argument of a call into a run's object. */
export function rpcMeta(c: { get<K extends 'requestId' | 'trace'>(key: K): AppEnv['Variables'][K] }): RpcMeta {
  const trace = c.get('trace')
  const meta: RpcMeta = { requestId: c.get('requestId'), traceparent: formatTraceparent(trace) }
  if (trace.tracestate) meta.tracestate = trace.tracestate
  return meta
}
