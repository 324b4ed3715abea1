import type { Context } from 'hono'
import { USER_HEADER } from '../../durable-objects/run-sockets'
import type { AppEnv } from '../app-env'
import { currentUser } from '../auth/middleware'
import { AppError } from '../errors'
import { errorResponses } from '../schemas/common'
import { LiveQuery } from '../schemas/events'
import { IdParam } from './params'

export const runLiveDescription = 'Sends `connected`, then a `snapshot` (or, with `?since=<seq>`, every missed event), then events as they happen.'

/** What a run's live route takes and answers, whatever the kind of run. */
export const runLiveRequest = { params: IdParam, query: LiveQuery }
export const runLiveResponses = { 101: { description: 'Switching to the WebSocket protocol' }, ...errorResponses(401, 404, 426) }

/** Hands the request to the run's object as a WebSocket, after `mayRead` has passed: refused before the upgrade, a non-member never gets a socket. */
export async function runLiveSocket(c: Context<AppEnv>, mayRead: () => Promise<unknown>, run: () => { fetch(request: Request): Promise<Response> }) {
  await mayRead()
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new AppError(426, 'upgrade_required', 'This endpoint speaks WebSocket; send Upgrade: websocket')
  }
  const headers = new Headers(c.req.raw.headers)
  headers.set(USER_HEADER, currentUser(c).id)
  return run().fetch(new Request(c.req.url, { headers }))
}
