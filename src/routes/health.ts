import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env'

export const health = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/api/health',
    tags: ['System'],
    summary: 'Liveness check',
    responses: { 200: { description: 'The Worker is up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
  }),
  (c) => c.json({ status: 'ok' as const }, 200),
)
