import { UsageError } from './io'

/** The connection flags every command that talks to Loupe accepts. */
export const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
  secret: { type: 'string' },
  key: { type: 'string' },
} as const

export interface Connection {
  baseUrl: string
  token: string | undefined
  secret: string | undefined
  /** A registered pipeline's key (`mlpip_…`), for the commands that act as a pipeline. */
  apiKey: string | undefined
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787'

/**
 * Flags first, then the environment: LOUPE_URL or API_BASE_URL, LOUPE_TOKEN, LOUPE_API_KEY, and
 * ML_CALLBACK_HMAC_SECRET (the server accepts a comma-separated list for rotation; sign with the first).
 */
export function resolveConnection(
  flags: { url?: string | undefined; token?: string | undefined; secret?: string | undefined; key?: string | undefined },
  env: Record<string, string | undefined>,
): Connection {
  const secret = flags.secret ?? env.ML_CALLBACK_HMAC_SECRET?.split(',')[0]?.trim()
  return {
    baseUrl: flags.url ?? env.LOUPE_URL ?? env.API_BASE_URL ?? DEFAULT_BASE_URL,
    token: flags.token ?? (env.LOUPE_TOKEN || undefined),
    secret: secret || undefined,
    apiKey: flags.key ?? (env.LOUPE_API_KEY || undefined),
  }
}

export function requireToken(connection: Connection): string {
  if (!connection.token) throw new UsageError('a user API token is needed: pass --token or set LOUPE_TOKEN')
  return connection.token
}

export function requireSecret(connection: Connection): string {
  if (!connection.secret) throw new UsageError('the callback secret is needed: pass --secret or set ML_CALLBACK_HMAC_SECRET')
  return connection.secret
}

export function requireApiKey(connection: Connection): string {
  if (!connection.apiKey) throw new UsageError('a pipeline key (mlpip_…) is needed: pass --key or set LOUPE_API_KEY')
  return connection.apiKey
}
