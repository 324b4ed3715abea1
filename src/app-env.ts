import type { Config } from './config'
import type { Database } from './db/client'
import type { TraceContext } from './observability/trace-context'
import type { SIGN_IN_METHODS } from './schemas/auth'

export interface CurrentUser {
  id: string
  email: string
  name: string | null
  /** How the caller proved who they are; sessions come from the viewer's cookie. */
  via: (typeof SIGN_IN_METHODS)[number]
}

/** A registered pipeline, authenticated by one of its `mlpip_` keys: the pipeline_worker role. */
export interface PipelinePrincipal {
  id: string
  name: string
  modelNames: string[]
  jobKinds: string[]
  keyId: string
  keyPrefix: string
}

/** What a call into a run's object carries: the request, and the trace to continue (docs/operations.md#traces). */
export interface RpcMeta {
  requestId: string
  /** The origin the request came in on, which a run's object keeps for its deliveries' URLs. */
  origin?: string
  traceparent?: string
  tracestate?: string
}

/** What a verified pipeline callback carries into the run's object. */
export interface CallbackMeta extends RpcMeta {
  nonce?: string
}

export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    /** The W3C trace this request continues or started. */
    trace: TraceContext
    config: Config
    db: Database
    /** The same D1 binding, limits-wrapped, for raw statements. */
    d1: D1Database
    user: CurrentUser | null
    pipeline: PipelinePrincipal | null
    /** The request body exactly as received; HMAC is computed over these bytes. */
    rawBody: Uint8Array
    callback: CallbackMeta
    /** On the metrics routes: the projects the caller may see, or null for a scraper's whole deployment. */
    metricsScope: string[] | null
  }
}
