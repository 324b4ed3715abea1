import type { MiddlewareHandler } from 'hono'
import { requirePrincipal, requireUser } from '../auth/middleware'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import { principalSecurity, userSecurity } from './openapi'

// Who may call a route, given once for the OpenAPI document and for the middleware that enforces
// it, so that what a route documents and what it checks cannot drift apart. Spread into `createRoute`.

/** A rest parameter keeps the middleware a tuple, whose types `createRoute` carries into the handler. */
const access = <M extends MiddlewareHandler[]>(security: Record<string, string[]>[], ...middleware: M) => ({ security, middleware })

/** Signed-in people (bearer token or the viewer's cookie). */
export const asUser = access(userSecurity, requireUser)
/** Signed-in people, with a JSON body read once and held to MAX_JSON_BYTES. */
export const asUserWithJson = access(userSecurity, requireUser, jsonBody(MAX_JSON_BYTES))
/** People and pipeline keys alike (the pipeline_worker role). */
export const asPrincipal = access(principalSecurity, requirePrincipal)
/** People and pipeline keys alike, with a JSON body held to MAX_JSON_BYTES. */
export const asPrincipalWithJson = access(principalSecurity, requirePrincipal, jsonBody(MAX_JSON_BYTES))
