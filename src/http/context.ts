import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { getConfig } from '../config'
import { createDb } from '../db/client'
import { notFound } from '../errors'

export const withContext = createMiddleware<AppEnv>(async (c, next) => {
  c.set('config', getConfig(c.env))
  c.set('db', createDb(c.env.DB))
  c.set('user', null)
  await next()
})

/** With ML_ANALYSIS_ENABLED=false every ML endpoint answers as if it did not exist. */
export const mlEnabled = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('config').ML_ANALYSIS_ENABLED) throw notFound('ML analysis')
  await next()
})

export function requestOrigin(c: { req: { url: string } }): string {
  return new URL(c.req.url).origin
}
