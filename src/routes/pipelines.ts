import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { pipelineSelf } from '../domain/pipelines/grants'
import { deletePipeline, listPipelines, pipelineFor, registerPipeline, setPipelineDisabled, updatePipeline } from '../domain/pipelines/registry'
import { forbidden, unauthorized } from '../errors'
import { assertWebhookUrl } from '../dispatch/webhook-url'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import { Pipeline, PipelineCreate, PipelineList, PipelineSelf, PipelineUpdate } from '../schemas/pipelines'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest, pipelineKeySecurity } from './openapi'
import { PipelineParam } from './params'

const tags = ['Pipelines']

/** Registered pipelines: a person registers one and manages it; project owners grant it (routes/grants.ts). */
export const pipelineRegistryRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/me',
      tags,
      summary: 'The calling pipeline key: its pipeline, the key, and the projects that granted it',
      security: pipelineKeySecurity,
      responses: { 200: jsonContent(PipelineSelf, 'Who am I, as a pipeline'), ...errorResponses(401, 403) },
    }),
    async (c) => {
      const pipeline = c.get('pipeline')
      if (!pipeline) throw c.get('user') ? forbidden('Only a pipeline key has a pipeline; people use GET /api/me') : unauthorized()
      return c.json(await pipelineSelf(c.get('db'), pipeline), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines',
      tags,
      summary: 'Register a pipeline; the caller manages it',
      description: 'Then create a key (`POST /api/pipelines/{id}/keys`) and ask project owners to grant it (`POST /api/projects/{id}/pipelines`).',
      ...asUserWithJson,
      request: { body: jsonRequest(PipelineCreate) },
      responses: { 201: jsonContent(Pipeline, 'Registered'), ...errorResponses(400, 401, 403, 415) },
    }),
    async (c) => {
      assertWebhookUrl(c.req.valid('json').webhook_url, c.get('config').ML_WEBHOOK_ALLOW_LOOPBACK)
      return c.json(await registerPipeline(c.get('db'), currentUser(c), c.req.valid('json'), c.get('requestId')), 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines',
      tags,
      summary: 'Pipelines the caller registered or that a project of theirs granted',
      ...asUser,
      responses: { 200: jsonContent(PipelineList, 'Pipelines'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await listPipelines(c.get('db'), currentUser(c)), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/{pipeline_id}',
      tags,
      summary: 'One pipeline',
      ...asUser,
      request: { params: PipelineParam },
      responses: { 200: jsonContent(Pipeline, 'The pipeline'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json((await pipelineFor(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id, 'read')).pipeline, 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/api/pipelines/{pipeline_id}',
      tags,
      summary: 'Change a pipeline (who registered it only)',
      ...asUserWithJson,
      request: { params: PipelineParam, body: jsonRequest(PipelineUpdate) },
      responses: { 200: jsonContent(Pipeline, 'The pipeline after the change'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      assertWebhookUrl(c.req.valid('json').webhook_url, c.get('config').ML_WEBHOOK_ALLOW_LOOPBACK)
      return c.json(await updatePipeline(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id, c.req.valid('json'), c.get('requestId')), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/{pipeline_id}/disable',
      tags,
      summary: 'Disable a pipeline: its keys answer 403 and its run credentials stop working',
      ...asUser,
      request: { params: PipelineParam },
      responses: { 200: jsonContent(Pipeline, 'Disabled'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await setPipelineDisabled(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id, true, c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/{pipeline_id}/enable',
      tags,
      summary: 'Enable a disabled pipeline again',
      ...asUser,
      request: { params: PipelineParam },
      responses: { 200: jsonContent(Pipeline, 'Enabled'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await setPipelineDisabled(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id, false, c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/pipelines/{pipeline_id}',
      tags,
      summary: 'Delete a pipeline: revokes every key and secret and removes every grant',
      ...asUser,
      request: { params: PipelineParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await deletePipeline(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
