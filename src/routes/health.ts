import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env'
import { jsonContent } from './openapi'

export const health = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/api/health',
    tags: ['System'],
    summary: 'Liveness check',
    responses: { 200: jsonContent(z.object({ status: z.literal('ok') }), 'The Worker is up') },
  }),
  (c) => c.json({ status: 'ok' as const }, 200),
)
