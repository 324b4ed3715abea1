import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { authorize, projectRole } from '../auth/permissions'
import { compareVersions } from '../domain/model-versions/compare'
import { lineage, listModelVersions, modelVersionForUser } from '../domain/model-versions/read'
import { registerByUser } from '../domain/model-versions/register'
import { AppError } from '../errors'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import { CompareQuery, Lineage, ModelComparison, ModelVersion, ModelVersionCreate, ModelVersionList, ModelVersionListQuery } from '../schemas/model-versions'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { IdParam, ProjectParam } from './params'

/** The per-project registry of model versions, their lineage and side-by-side comparison (docs/jobs.md#model-versions). */
export const modelVersionRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/model-versions',
      tags: ['Model versions'],
      summary: 'Register a model version (editor or owner): trained elsewhere, or produced by one of the project’s jobs',
      description:
        'Analyses and jobs of the project that already name this `model_name` and `model_version` are linked to it in the same write. ' +
        'A name and version are registered once per project: again is 409 `conflict`.',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(ModelVersionCreate) },
      responses: { 201: jsonContent(ModelVersion, 'Registered'), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { project_id } = c.req.valid('param')
      const user = currentUser(c)
      authorize(await projectRole(c.get('db'), project_id, user.id), 'write', 'Project')
      const { version } = await registerByUser({ db: c.get('db'), d1: c.get('d1') }, project_id, user.id, c.req.valid('json'), c.get('requestId'))
      return c.json(version, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/model-versions',
      tags: ['Model versions'],
      summary: 'The project’s model versions, newest first, optionally of one model',
      ...asUser,
      request: { params: ProjectParam, query: ModelVersionListQuery },
      responses: { 200: jsonContent(ModelVersionList, 'A page of versions'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await listModelVersions(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/model-versions/compare',
      tags: ['Model versions'],
      summary: 'Two versions side by side, class by class: boxes made, mean confidence, and how reviewers judged them',
      ...asUser,
      request: { params: ProjectParam, query: CompareQuery },
      responses: { 200: jsonContent(ModelComparison, 'The comparison'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { project_id } = c.req.valid('param')
      const { base, candidate, scope } = c.req.valid('query')
      const user = currentUser(c)
      authorize(await projectRole(c.get('db'), project_id, user.id), 'read', 'Project')
      const [b, k] = await Promise.all([modelVersionForUser(c.get('db'), user, base), modelVersionForUser(c.get('db'), user, candidate)])
      if (b.project_id !== project_id || k.project_id !== project_id) throw new AppError(400, 'validation_error', 'Both versions must belong to this project', { path: ['candidate'] })
      return c.json(await compareVersions({ db: c.get('db'), d1: c.get('d1') }, b, k, scope), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/model-versions/{id}',
      tags: ['Model versions'],
      summary: 'A model version: metrics, artifacts, provenance, the job and dataset it came from',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(ModelVersion, 'The version'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await modelVersionForUser(c.get('db'), currentUser(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/model-versions/{id}/lineage',
      tags: ['Model versions'],
      summary: 'The loop around a version: dataset snapshot → training job → version → analyses → reviews → the next snapshots',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(Lineage, 'The lineage'), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const version = await modelVersionForUser(c.get('db'), currentUser(c), c.req.valid('param').id)
      return c.json(await lineage({ db: c.get('db'), d1: c.get('d1') }, version), 200)
    },
  )
