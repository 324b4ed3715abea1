import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { projectActivity } from '../domain/activity'
import { createRouter } from '../http/router'
import { ActivityQuery, ProjectActivity } from '../schemas/activity'
import { errorResponses } from '../schemas/common'
import { asUser } from './access'
import { jsonContent } from './openapi'
import { ProjectParam } from './params'

/** A project's activity over time, for its dashboard (docs/operations.md#dashboard). */
export const activityRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/projects/{project_id}/activity',
    tags: ['Operations'],
    summary: 'A project’s analyses, jobs, durations and deliveries per hour or day, for charts over time',
    ...asUser,
    request: { params: ProjectParam, query: ActivityQuery },
    responses: { 200: jsonContent(ProjectActivity, 'Series, one value per bucket'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => c.json(await projectActivity(c.var, currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
)
