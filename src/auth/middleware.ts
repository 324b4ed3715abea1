import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, CurrentUser } from '../app-env'
import { unauthorized } from '../errors'
import { ACCESS_HEADER, userFromAccessJwt } from './access'
import { SESSION_COOKIE, resolveToken, touchToken } from './sessions'

/** Works out who is calling from a bearer token, the viewer's session cookie, or Cloudflare Access. */
export const identify = createMiddleware<AppEnv>(async (c, next) => {
  const db = c.get('db')
  let user: CurrentUser | null = null
  const header = c.req.header('Authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const resolved = match ? await resolveToken(db, match[1]!) : null
    // A bad bearer token is an error, not an anonymous request: scripts should hear about it.
    if (!resolved) throw unauthorized('Invalid, expired or revoked API token')
    user = resolved.user
    c.executionCtx.waitUntil(touchToken(db, resolved))
  } else {
    const cookie = getCookie(c, SESSION_COOKIE)
    const resolved = cookie ? await resolveToken(db, cookie) : null
    if (resolved) {
      user = resolved.user
      c.executionCtx.waitUntil(touchToken(db, resolved))
    } else {
      const config = c.get('config')
      const jwt = c.req.header(ACCESS_HEADER)
      if (jwt && config.ACCESS_TEAM_DOMAIN && config.ACCESS_AUD) user = await userFromAccessJwt(db, config, jwt)
    }
  }
  c.set('user', user)
  await next()
})

export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('user')) throw unauthorized()
  await next()
})

export function currentUser(c: { get(key: 'user'): CurrentUser | null }): CurrentUser {
  const user = c.get('user')
  if (!user) throw unauthorized()
  return user
}
