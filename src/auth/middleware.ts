import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { Context } from 'hono'
import type { AppEnv, CurrentUser } from '../app-env'
import { AppError, forbidden, unauthorized } from '../errors'
import { clientIp, failedAuth, limitByBinding, limitPipelineKey } from '../limits/rate-limits'
import { PIPELINE_KEY_PREFIX } from '../schemas/pipelines'
import { ACCESS_HEADER, userFromAccessJwt } from './access'
import { resolvePipelineKey, touchPipelineKey } from './pipeline-keys'
import { SESSION_COOKIE, resolveToken, touchToken, type ResolvedToken } from './sessions'

export const API_KEY_HEADER = 'X-API-Key'

/**
 * Works out who is calling: a pipeline key (`X-API-Key` or `Authorization: Bearer mlpip_…`), a
 * user's bearer token, the viewer's session cookie, or Cloudflare Access. Each principal is held to
 * its rate limit here, before any route runs.
 */
export const identify = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('Authorization')
  const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined
  const apiKey = c.req.header(API_KEY_HEADER)
  try {
    if (apiKey !== undefined || bearer?.startsWith(PIPELINE_KEY_PREFIX)) {
      if (apiKey !== undefined && header) throw new AppError(400, 'bad_request', `Send one credential: ${API_KEY_HEADER} or Authorization, not both`)
      await identifyPipeline(c, apiKey ?? bearer!)
    } else if (header) {
      // A bad bearer token is an error, not an anonymous request: scripts should hear about it.
      const resolved = bearer ? await resolveToken(c.get('db'), bearer) : null
      if (!resolved) throw unauthorized('Invalid, expired or revoked API token')
      await signIn(c, resolved)
    } else {
      const cookie = getCookie(c, SESSION_COOKIE)
      const resolved = cookie ? await resolveToken(c.get('db'), cookie) : null
      if (resolved) await signIn(c, resolved)
      else await identifyOther(c)
    }
  } catch (err) {
    throw err instanceof AppError ? await failedAuth(c, err) : err
  }
  await next()
})

async function identifyPipeline(c: Context<AppEnv>, key: string) {
  const db = c.get('db')
  const resolved = await resolvePipelineKey(db, key)
  await limitPipelineKey(c, resolved.principal.keyId)
  c.set('pipeline', resolved.principal)
  c.executionCtx.waitUntil(touchPipelineKey(db, resolved, clientIp(c), c.get('requestId')))
}

async function signIn(c: Context<AppEnv>, resolved: ResolvedToken) {
  await limitByBinding(c, 'RATE_LIMIT_USER', resolved.tokenId, 'token')
  c.set('user', resolved.user)
  c.executionCtx.waitUntil(touchToken(c.get('db'), resolved))
}

async function identifyOther(c: Context<AppEnv>) {
  const config = c.get('config')
  const jwt = c.req.header(ACCESS_HEADER)
  const user = jwt && config.ACCESS_TEAM_DOMAIN && config.ACCESS_AUD ? await userFromAccessJwt(c.get('db'), config, jwt) : null
  if (user) {
    await limitByBinding(c, 'RATE_LIMIT_USER', `access:${user.id}`, 'user')
    c.set('user', user)
  } else if (!c.req.header('X-ML-Signature')) {
    // Signed callbacks prove themselves later; their failures count against the address then.
    await limitByBinding(c, 'RATE_LIMIT_ANONYMOUS', clientIp(c) ?? 'unknown', 'client address')
  }
}

/** For people only: a pipeline key is authenticated, but has no business here. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('pipeline')) throw forbidden('Pipeline keys cannot call this endpoint (the pipeline_worker role)')
  if (!c.get('user')) throw unauthorized()
  await next()
})

/** For people and pipelines; the domain function decides what each may see. */
export const requirePrincipal = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('user') && !c.get('pipeline')) throw unauthorized()
  await next()
})

export function currentUser(c: { get(key: 'user'): CurrentUser | null }): CurrentUser {
  const user = c.get('user')
  if (!user) throw unauthorized()
  return user
}
