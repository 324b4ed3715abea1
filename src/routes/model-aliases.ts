import { createRoute, z } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { listAliases, promote, removeAlias } from '../domain/model-versions/aliases'
import { createRouter } from '../http/router'
import { errorResponses, Uuid } from '../schemas/common'
import { AliasName, ModelAlias, ModelAliasList, PromoteRequest } from '../schemas/model-versions'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { IdParam, ProjectParam } from './params'

/** Aliases name the version of a model a project uses (`production`), moved by promoting another. */
export const modelAliasRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/model-versions/{id}/promote',
      tags: ['Model versions'],
      summary: 'Point an alias of this version’s model (e.g. `production`) at this version (editor or owner)',
      description: 'The alias moves from whichever version of the same model held it; the audit log keeps the previous one.',
      ...asUserWithJson,
      request: { params: IdParam, body: jsonRequest(PromoteRequest) },
      responses: { 200: jsonContent(ModelAlias, 'The alias, now at this version'), ...errorResponses(400, 401, 403, 404, 413, 415) },
    }),
    async (c) => c.json(await promote(c.get('db'), currentUser(c), c.req.valid('param').id, c.req.valid('json').alias, c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/model-aliases',
      tags: ['Model versions'],
      summary: 'Every alias of the project’s models and the version it points at',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(ModelAliasList, 'The aliases'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await listAliases(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/projects/{project_id}/model-aliases/{name}/{alias}',
      tags: ['Model versions'],
      summary: 'Remove an alias (editor or owner)',
      ...asUser,
      request: { params: z.object({ project_id: Uuid, name: z.string().min(1).max(200), alias: AliasName }) },
      responses: { 204: { description: 'Removed' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { project_id, name, alias } = c.req.valid('param')
      await removeAlias(c.get('db'), currentUser(c), project_id, name, alias, c.get('requestId'))
      return c.body(null, 204)
    },
  )
