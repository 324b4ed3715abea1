import { createRoute } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env'
import { currentUser } from '../auth/middleware'
import { deleteAnalysis, deleteProject, restoreAnalysis, restoreImage, restoreProject } from '../domain/deletion'
import { getProject } from '../domain/projects'
import { deletedProjects, projectTrash } from '../domain/trash'
import { createRouter } from '../http/router'
import { rpcMeta } from '../observability/rpc-meta'
import { Analysis } from '../schemas/analyses'
import { errorResponses } from '../schemas/common'
import { Image } from '../schemas/images'
import { Project } from '../schemas/projects'
import { DeletedProjectList, ProjectTrash } from '../schemas/trash'
import { asUser } from './access'
import { jsonContent } from './openapi'
import { IdParam, ImageParam, ProjectParam } from './params'

export const deletionDeps = (c: Context<AppEnv>) => ({ db: c.get('db'), env: c.env, config: c.get('config'), meta: rpcMeta(c) })

const retention = 'Within ML_RETENTION_DAYS of the delete it can be restored; after that the retention purge removes it, its files and its object for good.'

/** Soft delete, restore and the trash (docs/operations.md#deletion-and-retention). */
export const deletionRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/analyses/{id}',
      tags: ['Analyses'],
      summary: 'Soft-delete an analysis (editor or owner); a running one is canceled first',
      description: retention,
      ...asUser,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await deleteAnalysis(deletionDeps(c), currentUser(c), c.req.valid('param').id)
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/analyses/{id}/restore',
      tags: ['Analyses'],
      summary: 'Restore a deleted analysis (editor or owner)',
      description: 'An analysis deleted together with its image comes back with the image (409 otherwise). Restoring a live analysis changes nothing.',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(Analysis, 'The analysis, live again'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await restoreAnalysis(deletionDeps(c), currentUser(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/images/{image_id}/restore',
      tags: ['Images'],
      summary: 'Restore a deleted image with the analyses deleted with it (editor or owner)',
      ...asUser,
      request: { params: ImageParam },
      responses: { 200: jsonContent(Image, 'The image, live again'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await restoreImage(deletionDeps(c), currentUser(c), c.req.valid('param').image_id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/projects/{project_id}',
      tags: ['Projects'],
      summary: 'Soft-delete a project with its images and analyses (owner only)',
      description: `Running analyses are canceled first. ${retention}`,
      ...asUser,
      request: { params: ProjectParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await deleteProject(deletionDeps(c), currentUser(c), c.req.valid('param').project_id)
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/restore',
      tags: ['Projects'],
      summary: 'Restore a deleted project with what was deleted with it (owner only)',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(Project, 'The project, live again'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id } = await restoreProject(deletionDeps(c), currentUser(c), c.req.valid('param').project_id)
      return c.json(await getProject(c.get('db'), currentUser(c), id, 'read'), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/trash',
      tags: ['Projects'],
      summary: 'Deleted analyses and images of a project that can still be restored',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(ProjectTrash, 'The trash, newest deletion first'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await projectTrash(c.get('db'), c.get('config'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/trash/projects',
      tags: ['Projects'],
      summary: 'Deleted projects the caller owns that can still be restored',
      ...asUser,
      responses: { 200: jsonContent(DeletedProjectList, 'Deleted projects, newest deletion first'), ...errorResponses(401) },
    }),
    async (c) => c.json(await deletedProjects(c.get('db'), c.get('config'), currentUser(c)), 200),
  )
