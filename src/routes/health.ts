import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../http/router'
import { jsonContent } from './openapi'

export const health = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/health',
    tags: ['System'],
    summary: 'Liveness check',
    responses: { 200: jsonContent(z.object({ status: z.literal('ok') }), 'The Worker is up') },
  }),
  (c) => c.json({ status: 'ok' as const }, 200),
)
