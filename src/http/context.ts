import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env'
import { getConfig } from '../config'
import { connect } from '../db/client'
import { notFound } from '../errors'

export const withContext = createMiddleware<AppEnv>(async (c, next) => {
  const { db, d1 } = connect(c.env.DB)
  c.set('config', getConfig(c.env))
  c.set('db', db)
  c.set('d1', d1)
  c.set('user', null)
  c.set('pipeline', null)
  await next()
})

/** With ML_ANALYSIS_ENABLED=false every ML endpoint answers as if it did not exist. */
export const mlEnabled = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('config').ML_ANALYSIS_ENABLED) throw notFound('ML analysis')
  await next()
})

/** The paths `mlEnabled` guards, mounted once in `app.ts`. */
export const ML_PATHS = [
  '/api/images/:image_id/analyses',
  '/api/analyses/*',
  '/api/annotations/*',
  '/api/ml/*',
  '/api/projects/:project_id/export',
  // Project-level jobs: see docs/jobs.md.
  '/api/jobs/*',
  '/api/projects/:project_id/jobs',
  '/api/projects/:project_id/jobs/*',
  // Ground truth, evaluations and review at project scale: see docs/evaluation.md#api.
  '/api/projects/:project_id/ground-truth',
  '/api/projects/:project_id/ground-truth/*',
  '/api/images/:image_id/ground-truth',
  '/api/images/:image_id/review-mark',
  '/api/projects/:project_id/evaluations',
  '/api/evaluations/*',
  '/api/projects/:project_id/review-queue',
  '/api/projects/:project_id/compare',
  '/api/projects/:project_id/:action{reviews:(bulk|undo)}',
] as const

export function requestOrigin(c: { req: { url: string } }): string {
  return new URL(c.req.url).origin
}
