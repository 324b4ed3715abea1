import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { formatLogText } from '../domain/log-text'
import { unwrapRpc, type RpcResult } from '../errors'
import { errorResponses } from '../schemas/common'
import { LogsPage, type LogsQuery } from '../schemas/events'

/** `?format=text` is the whole log in one read: the run's object pages it out of R2 as it goes. */
const WHOLE_LOG = 1_000_000

/** What a run's log route answers, whatever the kind of run. */
export const runLogResponses = {
  200: {
    description: 'A page of log lines, or with `format=text` the whole log as plain text',
    content: { 'application/json': { schema: LogsPage }, 'text/plain': { schema: z.string() } },
  },
  ...errorResponses(400, 401, 404),
}

/** A run's log, read through its object: a JSON page, or the whole log as text. */
export async function runLogResponse(
  c: Context,
  query: z.infer<typeof LogsQuery>,
  read: (offset: number, limit: number) => Promise<RpcResult<z.infer<typeof LogsPage>>>,
) {
  const page = await unwrapRpc(read(query.offset, query.format === 'text' ? WHOLE_LOG : query.limit))
  return query.format === 'text' ? c.text(formatLogText(page.lines), 200) : c.json(page, 200)
}
