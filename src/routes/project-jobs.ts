import { createRoute } from '@hono/zod-openapi'
import { admitAndWake } from '../../durable-objects/job-object'
import { currentUser } from '../auth/middleware'
import { authorize, projectRole } from '../auth/permissions'
import { readSettings, updateSettings } from '../domain/project-settings'
import { projectStatus } from '../domain/project-status'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import { ProjectSettings, ProjectSettingsUpdate } from '../schemas/jobs'
import { ProjectStatus } from '../schemas/project-status'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { ProjectParam } from './params'

/** A project's job settings and its status summary. */
export const projectJobRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/status',
      tags: ['Jobs'],
      summary: 'Where the project stands: images, analyses, reviews, models with their latest versions, running and recent jobs',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(ProjectStatus, 'The summary'), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { project_id } = c.req.valid('param')
      authorize(await projectRole(c.get('db'), project_id, currentUser(c).id), 'read', 'Project')
      return c.json(await projectStatus({ db: c.get('db'), d1: c.get('d1') }, project_id), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/settings',
      tags: ['Jobs'],
      summary: 'The project’s job settings',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(ProjectSettings, 'The settings'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await readSettings(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/projects/{project_id}/settings',
      tags: ['Jobs'],
      summary: 'Change how many jobs of the project run at once (owner)',
      description: 'Raising it gives the freed slots to the waiting jobs at once, in queue order; lowering it stops nothing that already holds a slot.',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(ProjectSettingsUpdate) },
      responses: { 200: jsonContent(ProjectSettings, 'The settings'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => {
      const { project_id } = c.req.valid('param')
      const settings = await updateSettings(c.get('db'), currentUser(c), project_id, c.req.valid('json'), c.get('requestId'))
      await admitAndWake(c.env, c.get('d1'), project_id)
      return c.json(settings, 200)
    },
  )
