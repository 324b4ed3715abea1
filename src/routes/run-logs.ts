import { createRoute, type RouteConfig, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { formatLogText } from '../domain/log-text'
import { unwrapRpc, type RpcResult } from '../errors'
import { errorResponses } from '../schemas/common'
import { LogsPage, LogsQuery } from '../schemas/events'
import { IdParam } from './params'

/** `?format=text` is the whole log in one read: the run's object pages it out of R2 as it goes. */
const WHOLE_LOG = 1_000_000

/** What a run's log route takes and answers, whatever the kind of run. */
const runLogRequest = { params: IdParam, query: LogsQuery }
export const runLogResponses = {
  200: {
    description: 'A page of log lines, or with `format=text` the whole log as plain text',
    content: { 'application/json': { schema: LogsPage }, 'text/plain': { schema: z.string() } },
  },
  ...errorResponses(400, 401, 404),
}

/** A run's log route: who may call it differs by kind of run, what it takes and answers does not. */
export const runLogRoute = <P extends string, M extends RouteConfig['middleware']>(r: {
  path: P
  tags: string[]
  summary: string
  security: Record<string, string[]>[]
  middleware: M
}) => createRoute({ method: 'get', ...r, request: runLogRequest, responses: runLogResponses })

/** A run's log, read through its object: a JSON page, or the whole log as text. */
export async function runLogResponse(
  c: Context,
  query: z.infer<typeof LogsQuery>,
  read: (offset: number, limit: number) => Promise<RpcResult<z.infer<typeof LogsPage>>>,
) {
  const page = await unwrapRpc(read(query.offset, query.format === 'text' ? WHOLE_LOG : query.limit))
  return query.format === 'text' ? c.text(formatLogText(page.lines), 200) : c.json(page, 200)
}
