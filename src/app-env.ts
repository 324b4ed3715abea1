import type { Config } from './config'
import type { Database } from './db/client'

export interface CurrentUser {
  id: string
  email: string
  name: string | null
  /** How the caller proved who they are; sessions come from the viewer's cookie. */
  via: 'token' | 'session' | 'access'
}

export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    config: Config
    db: Database
    user: CurrentUser | null
    /** The request body exactly as received; HMAC is computed over these bytes. */
    rawBody: Uint8Array
    nonce: string | undefined
  }
}
