import { createRoute, z } from '@hono/zod-openapi'
import { and, desc, eq } from 'drizzle-orm'
import { currentUser } from '../auth/middleware'
import { deliveries } from '../db/schema'
import type { Context } from 'hono'
import type { AppEnv, CurrentUser } from '../app-env'
import type { Database } from '../db/client'
import { analysisForUser } from '../domain/analyses'
import { jobForUser } from '../domain/jobs/read'
import { pipelineFor } from '../domain/pipelines/registry'
import { dispatchMessage } from '../dispatch/enqueue'
import { notFound } from '../errors'
import { createRouter } from '../http/router'
import { DeliveryList, Redelivered } from '../schemas/deliveries'
import { errorResponses, Uuid } from '../schemas/common'
import { requestOrigin } from '../http/context'
import { asUser } from './access'
import { jsonContent } from './openapi'
import { IdParam, PipelineParam } from './params'

const toDelivery = (r: typeof deliveries.$inferSelect) => ({
  id: r.id,
  webhook_id: r.webhookId,
  run_kind: r.runKind,
  run_id: r.runId,
  event: r.event,
  pipeline_id: r.pipelineId,
  endpoint_url: r.endpointUrl,
  attempt: r.attempt,
  outcome: r.outcome,
  response_status: r.responseStatus,
  latency_ms: r.latencyMs,
  response_excerpt: r.responseExcerpt,
  error: r.error,
  next_attempt_at: r.nextAttemptAt,
  attempted_at: r.attemptedAt,
})

/** Who may see a run's deliveries (read) and send one again (write): whoever may do that to the run. */
const RUN_ACCESS: Record<string, (db: Database, user: CurrentUser, id: string, action: 'read' | 'write') => Promise<unknown>> = {
  analysis: analysisForUser,
  job: jobForUser,
}

/** A run's delivery log route, for each kind of run that is dispatched. */
const deliveryLog = (kind: 'analysis' | 'job', path: string) =>
  [
    createRoute({
      method: 'get',
      path,
      tags: ['Dispatch'],
      summary: `Every webhook delivery attempt for ${kind === 'job' ? 'a job' : 'an analysis'}, newest first`,
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(DeliveryList, 'Attempts'), ...errorResponses(401, 403, 404) },
    }),
    async (c: Context<AppEnv>) => {
      // The route has validated the id by now.
      const id = c.req.param('id')!
      const db = c.get('db')
      await RUN_ACCESS[kind]!(db, currentUser(c), id, 'read')
      const rows = await db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.runKind, kind), eq(deliveries.runId, id)))
        .orderBy(desc(deliveries.attemptedAt))
        .limit(500)
      return c.json({ deliveries: rows.map(toDelivery) }, 200)
    },
  ] as const

/** The delivery logs of analyses' and jobs' webhooks, and a redeliver action (docs/dispatch.md). */
export const deliveryRoutes = createRouter()
  .openapi(...deliveryLog('analysis', '/api/analyses/{id}/deliveries'))
  .openapi(...deliveryLog('job', '/api/jobs/{id}/deliveries'))
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/{pipeline_id}/deliveries',
      tags: ['Dispatch'],
      summary: 'Every delivery attempt to a pipeline’s webhook, newest first, across its projects (the person who registered it)',
      ...asUser,
      request: { params: PipelineParam },
      responses: { 200: jsonContent(DeliveryList, 'Attempts'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = c.get('db')
      const { pipeline_id } = c.req.valid('param')
      // The endpoint's own log spans every project that granted it: its registrant's to read, as the endpoint's traffic is.
      await pipelineFor(db, currentUser(c), pipeline_id, 'manage')
      const rows = await db.select().from(deliveries).where(eq(deliveries.pipelineId, pipeline_id)).orderBy(desc(deliveries.attemptedAt)).limit(500)
      return c.json({ deliveries: rows.map(toDelivery) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/deliveries/{delivery_id}/redeliver',
      tags: ['Dispatch'],
      summary: 'Send a delivery’s event again, as a new message with a new webhook-id (editors and owners)',
      ...asUser,
      request: { params: z.object({ delivery_id: Uuid }) },
      responses: { 202: jsonContent(Redelivered, 'Queued'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const db = c.get('db')
      const row = await db.select().from(deliveries).where(eq(deliveries.id, c.req.valid('param').delivery_id)).get()
      const access = row && RUN_ACCESS[row.runKind]
      if (!row || !access) throw notFound('Delivery')
      // An editor of the run's project may, and so may whoever registered the endpoint it went to.
      const mayManage = row.pipelineId ? await pipelineFor(db, currentUser(c), row.pipelineId, 'manage').then(() => true, () => false) : false
      if (!mayManage) await access(db, currentUser(c), row.runId, 'write')
      const message = dispatchMessage({ run: { kind: row.runKind, id: row.runId }, event: row.event, pipeline_id: row.pipelineId, origin: requestOrigin(c) })
      await c.env.DISPATCH.send(message, { contentType: 'json' })
      return c.json({ webhook_id: message.webhook_id }, 202)
    },
  )
