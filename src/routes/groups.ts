import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { cancelGroup, deleteGroup, groupStatus } from '../domain/groups'
import { createRouter } from '../http/router'
import { rpcMeta } from '../observability/rpc-meta'
import { errorResponses } from '../schemas/common'
import { GroupCancelResult, GroupParam, GroupStatus } from '../schemas/groups'
import { asUser } from './access'
import { jsonContent } from './openapi'

const path = '/api/projects/{project_id}/groups/{group_id}'

/** Batches by group_id (docs/search.md#groups); their analyses are listed and exported through search. */
export const groupRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path,
      tags: ['Groups'],
      summary: "A group's status at a glance: counts by status, progress, models, annotations",
      ...asUser,
      request: { params: GroupParam },
      responses: { 200: jsonContent(GroupStatus, 'The group'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { project_id, group_id } = c.req.valid('param')
      return c.json(await groupStatus(c.get('db'), currentUser(c), project_id, group_id), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: `${path}/cancel`,
      tags: ['Groups'],
      summary: "Cancel the group's queued and processing analyses (editor or owner)",
      ...asUser,
      request: { params: GroupParam },
      responses: { 200: jsonContent(GroupCancelResult, 'What the cancel did'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { project_id, group_id } = c.req.valid('param')
      return c.json(await cancelGroup(c.get('db'), c.env, currentUser(c), project_id, group_id, rpcMeta(c)), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path,
      tags: ['Groups'],
      summary: "Soft-delete the group's analyses, running ones canceled first (editor or owner)",
      ...asUser,
      request: { params: GroupParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { project_id, group_id } = c.req.valid('param')
      await deleteGroup(c.get('db'), c.env, currentUser(c), project_id, group_id, rpcMeta(c))
      return c.body(null, 204)
    },
  )
