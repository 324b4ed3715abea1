import { createRoute, z } from '@hono/zod-openapi'
import { collectMetrics } from '../metrics/collect'
import { formatFamilies, PROMETHEUS_CONTENT_TYPE } from '../metrics/exposition'
import { metricsCaller } from '../metrics/scope'
import { evaluateSlos, sloFamilies } from '../metrics/slos'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import { SloList } from '../schemas/slos'
import { jsonContent, userSecurity } from './openapi'

/**
 * Metrics and SLOs (docs/operations.md#metrics). Mounted before the app's `identify`, which would
 * refuse a scraper's token: `metricsCaller` accepts it, or a user's credentials as usual.
 */
export const metricsRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/metrics',
      tags: ['Operations'],
      summary: 'Metrics in the Prometheus text format',
      description: 'A user sees the projects they can read; a bearer token from LOUPE_METRICS_TOKEN sees the whole deployment.',
      security: userSecurity,
      middleware: [metricsCaller] as const,
      responses: {
        200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const scope = c.get('metricsScope')
      const d1 = c.get('d1')
      const [families, slos] = await Promise.all([collectMetrics(d1, scope), evaluateSlos(d1, c.get('config').ML_SLOS, scope)])
      return c.text(formatFamilies([...families, ...sloFamilies(slos)]), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' })
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/slos',
      tags: ['Operations'],
      summary: 'Each configured SLO with its current value and error budget',
      security: userSecurity,
      middleware: [metricsCaller] as const,
      responses: { 200: jsonContent(SloList, 'SLOs over the analyses the caller can see'), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const now = Date.now()
      const slos = await evaluateSlos(c.get('d1'), c.get('config').ML_SLOS, c.get('metricsScope'), now)
      return c.json({ slos, evaluated_at: new Date(now).toISOString() }, 200)
    },
  )
