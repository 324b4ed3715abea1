import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../http/router'
import { currentUser } from '../auth/middleware'
import { currentPrincipal } from '../auth/principal'
import { disconnectFromProject } from '../domain/live-access'
import { addMember, createProject, getProject, listMembers, listProjects, removeMember } from '../domain/projects'
import { asPrincipal, asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { errorResponses, Uuid } from '../schemas/common'
import { MemberAdd, MemberList, Project, ProjectCreate, ProjectList } from '../schemas/projects'
import { ProjectParam } from './params'

export const projectRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects',
      tags: ['Projects'],
      summary: 'Create a project; the caller becomes its owner',
      ...asUserWithJson,
      request: { body: jsonRequest(ProjectCreate) },
      responses: { 201: jsonContent(Project, 'Created'), ...errorResponses(400, 401, 413, 415) },
    }),
    async (c) => c.json(await createProject(c.get('db'), currentUser(c), c.req.valid('json'), c.get('requestId')), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects',
      tags: ['Projects'],
      summary: 'Projects the caller belongs to, or that granted the calling pipeline',
      ...asPrincipal,
      responses: { 200: jsonContent(ProjectList, 'Projects'), ...errorResponses(401) },
    }),
    async (c) => c.json(await listProjects(c.get('db'), currentPrincipal(c)), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}',
      tags: ['Projects'],
      summary: 'One project',
      ...asPrincipal,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(Project, 'The project'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await getProject(c.get('db'), currentPrincipal(c), c.req.valid('param').project_id, 'read'), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/members',
      tags: ['Projects'],
      summary: 'Members and their roles',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(MemberList, 'Members'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await listMembers(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/members',
      tags: ['Projects'],
      summary: 'Add a member, or change their role (owner only)',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(MemberAdd) },
      responses: { 200: jsonContent(MemberList, 'Members after the change'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) =>
      c.json(await addMember(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('json'), c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/projects/{project_id}/members/{user_id}',
      tags: ['Projects'],
      summary: 'Remove a member (owner only)',
      ...asUser,
      request: { params: z.object({ project_id: Uuid, user_id: Uuid }) },
      responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { project_id, user_id } = c.req.valid('param')
      await removeMember(c.get('db'), currentUser(c), project_id, user_id, c.get('requestId'))
      await disconnectFromProject(c.env, c.get('db'), project_id, user_id)
      return c.body(null, 204)
    },
  )
