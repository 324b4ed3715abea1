import type { Context } from 'hono'
import { rateLimiterStub } from '../../durable-objects/rate-limiter'
import type { AppEnv } from '../app-env'
import { AppError } from '../errors'

/**
 * Two kinds of limits (docs/security.md#rate-limits). Pipeline keys are counted exactly, in one
 * Durable Object per key: a pipeline's workers run in many places at once, and a per-location
 * count would multiply its quota by the number of locations it reaches. User tokens, anonymous
 * traffic and failed authentication go through the Workers rate-limiting binding, counted per
 * location and approximately: they guard against floods, where a cheap local check matters more
 * than an exact count, and a Durable Object per attacking address would itself be the flood's target.
 */
export const BINDING_LIMITS = {
  /** Per user token (API token or viewer session). */
  RATE_LIMIT_USER: { period: 60 },
  /** Per client IP, for requests that carry no credential. */
  RATE_LIMIT_ANONYMOUS: { period: 60 },
  /** Per client IP, for failed signatures and bad keys or tokens. */
  RATE_LIMIT_FAILED_AUTH: { period: 60 },
} as const satisfies Record<string, { period: 10 | 60 }>

export type LimitBinding = keyof typeof BINDING_LIMITS

const PIPELINE_KEY_PERIOD_MS = 60_000

export const clientIp = (c: Context<AppEnv>) => c.req.header('CF-Connecting-IP') ?? null

export function rateLimited(retryAfterSeconds: number, scope: string): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
  return new AppError(429, 'rate_limited', `Too many requests for this ${scope}; retry after ${seconds}s`, { scope, retry_after: seconds }, {
    headers: { 'Retry-After': String(seconds) },
  })
}

/** The binding's verdict for `key`; true when the binding is absent or limits are off. */
export async function withinBinding(c: Context<AppEnv>, name: LimitBinding, key: string): Promise<boolean> {
  const binding = c.env[name] as RateLimit | undefined
  if (!binding || !c.get('config').ML_RATE_LIMIT_ENABLED) return true
  return (await binding.limit({ key })).success
}

export async function limitByBinding(c: Context<AppEnv>, name: LimitBinding, key: string, scope: string): Promise<void> {
  if (!(await withinBinding(c, name, key))) throw rateLimited(BINDING_LIMITS[name].period, scope)
}

export async function limitPipelineKey(c: Context<AppEnv>, keyId: string): Promise<void> {
  const config = c.get('config')
  if (!config.ML_RATE_LIMIT_ENABLED) return
  const result = await rateLimiterStub(c.env, `pipeline_key:${keyId}`).take(config.ML_RATE_LIMIT_PIPELINE_KEY_PER_MINUTE, PIPELINE_KEY_PERIOD_MS)
  if (!result.ok) throw rateLimited(result.retryAfterMs / 1000, 'pipeline key')
}

/**
 * Counts a failed authentication against the caller's address. Past the limit the failure is
 * answered 429 instead of 401 and is not audited again: a flood should cost neither CPU nor audit rows.
 */
export async function failedAuth(c: Context<AppEnv>, err: AppError): Promise<AppError> {
  if (err.status !== 401) return err
  const ip = clientIp(c) ?? 'unknown'
  if (await withinBinding(c, 'RATE_LIMIT_FAILED_AUTH', ip)) return err
  return rateLimited(BINDING_LIMITS.RATE_LIMIT_FAILED_AUTH.period, 'client address after failed authentication')
}
