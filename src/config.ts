import { LIFECYCLE_EVENTS } from './schemas/deliveries'
import { z } from 'zod'
import { SloDefinition } from './schemas/slos'

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'))

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      const n = Number(v)
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer between ${min} and ${max}, got "${v}"` })
        return z.NEVER
      }
      return n
    })

const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined))

const optionalUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v?.trim()) return undefined
    try {
      return new URL(v.trim()).toString().replace(/\/$/, '')
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an absolute URL, got "${v}"` })
      return z.NEVER
    }
  })

const sloList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v?.trim()) return []
    let json: unknown
    try {
      json = JSON.parse(v)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of SLOs (docs/operations.md#slos)' })
      return z.NEVER
    }
    const parsed = z.array(SloDefinition).safeParse(json)
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })
      return z.NEVER
    }
    const names = parsed.data.map((s) => s.name)
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', message: 'SLO names must be unique' })
      return z.NEVER
    }
    return parsed.data
  })

/** Every setting Loupe reads; the `ML_*` family keeps the names and defaults of docs/ML_PIPELINE_INTEGRATION.md. */
export const configSchema = z.object({
  ML_ANALYSIS_ENABLED: flag(true),
  ML_CALLBACK_HMAC_SECRET: list,
  ML_PIPELINE_REQUIRE_HMAC: flag(true),
  ML_ALLOWED_MODELS: list,
  ML_MAX_ANALYSES_PER_IMAGE: int(50, 1),
  ML_MAX_BULK_ANNOTATIONS: int(5000, 1, 100_000),
  // S3 presigned URLs cannot live longer than seven days.
  ML_PRESIGNED_URL_EXPIRY_SECONDS: int(900, 1, 604_800),
  ML_HMAC_SKEW_SECONDS: int(300, 1, 86_400),
  ML_HEARTBEAT_TIMEOUT_SECONDS: int(600, 1),
  ML_QUEUE_TIMEOUT_SECONDS: int(86_400, 1),
  ML_DEFAULT_STATUS: z.enum(['queued']).optional().transform((v) => v ?? 'queued'),
  S3_ENDPOINT: optionalUrl,
  S3_BUCKET: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_REGION: z.string().optional().transform((v) => v?.trim() || 'auto'),
  UPLOAD_SIGNING_SECRET: optionalString,
  PUBLIC_URL: optionalUrl,
  ALLOW_TOKEN_LINK_SIGNIN: flag(false),
  SESSION_TTL_SECONDS: int(14 * 86_400, 60),
  ACCESS_TEAM_DOMAIN: optionalString,
  ACCESS_AUD: optionalString,
  // Registered pipelines (docs/security.md). The root key every pipeline secret and run credential
  // is derived from; comma-separated to rotate: the first derives new secrets, all of them verify.
  PIPELINE_SECRETS_KEY: list,
  ML_REQUIRE_PIPELINE_KEYS: flag(false),
  ML_REQUIRE_NONCE: flag(false),
  // 0 turns a limit off.
  ML_MAX_PENDING_PER_USER: int(1000, 0),
  ML_MAX_PENDING_PER_PIPELINE: int(10_000, 0),
  ML_RATE_LIMIT_ENABLED: flag(true),
  ML_RATE_LIMIT_PIPELINE_KEY_PER_MINUTE: int(1200, 1, 1_000_000),
  ML_AUDIT_RETENTION_DAYS: int(90, 1, 36_500),
  // Push dispatch (docs/dispatch.md): signed webhooks delivered through the DISPATCH queue.
  ML_PIPELINE_PUSH_WEBHOOKS_ENABLED: flag(false),
  // Pull dispatch (docs/dispatch.md#pull-claims): pipeline keys claim queued work, each run for a
  // lease that callbacks carrying its token renew; an unstarted run whose lease ran out is claimable
  // again, up to ML_CLAIM_MAX_ATTEMPTS claims.
  ML_PIPELINE_PULL_ENABLED: flag(false),
  ML_CLAIM_LEASE_SECONDS: int(300, 5, 86_400),
  ML_CLAIM_MAX_ATTEMPTS: int(3, 1, 100),
  ML_WEBHOOK_URL: optionalUrl,
  ML_WEBHOOK_SECRET: list,
  // The lifecycle events ML_WEBHOOK_URL subscribes to (docs/dispatch.md#lifecycle-events), comma-separated.
  ML_WEBHOOK_EVENTS: list,
  // Seconds to wait before each retry: Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
  ML_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parts = (v?.trim() ? v : '5,300,1800,7200,18000,36000,36000').split(',').map((s) => Number(s.trim()))
      if (parts.some((n) => !Number.isInteger(n) || n < 0 || n > 43_200)) {
        ctx.addIssue({ code: 'custom', message: `must be comma-separated whole seconds up to 43200 (a queue's longest delay), got "${v}"` })
        return z.NEVER
      }
      return parts
    }),
  ML_WEBHOOK_TIMEOUT_SECONDS: int(15, 1, 60),
  // Loopback webhook URLs are for local development; production refuses them with private addresses.
  ML_WEBHOOK_ALLOW_LOOPBACK: flag(false),
  // Operations (docs/operations.md): how long deleted things can be restored before the Cron
  // Trigger purges them, the scrapers' tokens for /api/metrics (comma-separated to rotate), and SLOs.
  ML_RETENTION_DAYS: int(30, 1, 3650),
  LOUPE_METRICS_TOKEN: list,
  ML_SLOS: sloList,
})

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable} ${i.message}`).join('; ')}`)
    this.name = 'ConfigError'
  }
}

/** Parses configuration from the Worker's bindings; throws a ConfigError that names each bad variable. */
export function parseConfig(env: Record<string, unknown>): Config {
  const strings = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string'))
  const result = configSchema.safeParse(strings)
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message })))
  }
  const config = result.data
  const s3 = [config.S3_ENDPOINT, config.S3_BUCKET, config.S3_ACCESS_KEY_ID, config.S3_SECRET_ACCESS_KEY]
  if (s3.some(Boolean) && !s3.every(Boolean)) {
    throw new ConfigError([
      { variable: 'S3_ENDPOINT', message: 'S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together' },
    ])
  }
  if (config.ML_WEBHOOK_SECRET.some((secret) => !secret.startsWith('whsec_'))) {
    throw new ConfigError([{ variable: 'ML_WEBHOOK_SECRET', message: 'must be whsec_ secrets (Standard Webhooks), comma-separated while rotating' }])
  }
  const unknownEvents = config.ML_WEBHOOK_EVENTS.filter((e) => !(LIFECYCLE_EVENTS as readonly string[]).includes(e))
  if (unknownEvents.length) {
    throw new ConfigError([{ variable: 'ML_WEBHOOK_EVENTS', message: `unknown events ${unknownEvents.join(', ')}; known: ${LIFECYCLE_EVENTS.join(', ')}` }])
  }
  if (config.ML_WEBHOOK_URL && !config.ML_WEBHOOK_SECRET.length) {
    throw new ConfigError([{ variable: 'ML_WEBHOOK_SECRET', message: 'must be set with ML_WEBHOOK_URL: every delivery is signed' }])
  }
  if (Boolean(config.ACCESS_TEAM_DOMAIN) !== Boolean(config.ACCESS_AUD)) {
    throw new ConfigError([{ variable: 'ACCESS_AUD', message: 'ACCESS_TEAM_DOMAIN and ACCESS_AUD must be set together' }])
  }
  return config
}

// Bindings are fixed for an isolate's life, so parse them once per env object.
const cache = new WeakMap<object, Config>()

export function getConfig(env: object): Config {
  let config = cache.get(env)
  if (!config) {
    config = parseConfig(env as Record<string, unknown>)
    cache.set(env, config)
  }
  return config
}
