import { createRoute } from '@hono/zod-openapi'
import { createRouter } from '../http/router'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env'
import { currentUser, requireUser } from '../auth/middleware'
import { createSession, resolveToken, revokeSession, SESSION_COOKIE } from '../auth/sessions'
import { AppError, notFound } from '../errors'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import { Me, SessionCreate, SignInLinkQuery } from '../schemas/auth'
import { errorResponses } from '../schemas/common'
import { jsonContent, jsonRequest, userSecurity } from './openapi'


async function startSession(c: Context<AppEnv>, token: string) {
  const db = c.get('db')
  const resolved = await resolveToken(db, token)
  if (!resolved || resolved.user.via !== 'token') throw new AppError(401, 'unauthorized', 'That API token is invalid, expired or revoked')
  const ttl = c.get('config').SESSION_TTL_SECONDS
  const session = await createSession(db, resolved.user.id, ttl)
  // HttpOnly keeps the session out of page scripts; Lax keeps it off cross-site posts.
  setCookie(c, SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: new URL(c.req.url).protocol === 'https:',
    path: '/',
    maxAge: ttl,
  })
  return resolved.user
}

export const auth = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/session',
      tags: ['Auth'],
      summary: 'Exchange an API token for a viewer session cookie',
      middleware: [jsonBody(MAX_JSON_BYTES)] as const,
      request: { body: jsonRequest(SessionCreate) },
      responses: { 200: jsonContent(Me, 'Signed in; the cookie is set'), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const user = await startSession(c, c.req.valid('json').token)
      return c.json({ ...user, via: 'session' as const }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/auth/session',
      tags: ['Auth'],
      summary: 'Sign out',
      responses: { 204: { description: 'Signed out' } },
    }),
    async (c) => {
      const cookie = getCookie(c, SESSION_COOKIE)
      if (cookie) await revokeSession(c.get('db'), cookie)
      deleteCookie(c, SESSION_COOKIE, { path: '/' })
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/auth/link',
      tags: ['Auth'],
      summary: 'Development sign-in link: sets the session cookie and opens the viewer',
      description: 'Only when ALLOW_TOKEN_LINK_SIGNIN=true, which `npm run dev` sets. Never enable it in production.',
      request: { query: SignInLinkQuery },
      responses: { 302: { description: 'Redirect into the viewer' }, ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      if (!c.get('config').ALLOW_TOKEN_LINK_SIGNIN) throw notFound('Route')
      const { token, next } = c.req.valid('query')
      await startSession(c, token)
      return c.redirect(next ?? '/', 302)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/me',
      tags: ['Auth'],
      summary: 'Who am I',
      middleware: [requireUser] as const,
      security: userSecurity,
      responses: { 200: jsonContent(Me, 'The caller'), ...errorResponses(401) },
    }),
    (c) => c.json(currentUser(c), 200),
  )
