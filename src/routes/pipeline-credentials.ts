import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import {
  createPipelineKey,
  createPipelineSecret,
  listPipelineKeys,
  listPipelineSecrets,
  revokePipelineKey,
  revokePipelineSecret,
} from '../domain/pipelines/credentials'
import { createRouter } from '../http/router'
import { errorResponses, Uuid } from '../schemas/common'
import { PipelineKeyCreate, PipelineKeyCreated, PipelineKeyList, PipelineSecretCreate, PipelineSecretCreated, PipelineSecretList } from '../schemas/pipelines'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { PipelineParam } from './params'

const tags = ['Pipelines']

/** A pipeline's `mlpip_` keys and its HMAC secrets; all of it belongs to whoever registered the pipeline. */
export const pipelineCredentialRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/{pipeline_id}/keys',
      tags,
      summary: 'Create a pipeline key (shown once)',
      ...asUserWithJson,
      request: { params: PipelineParam, body: jsonRequest(PipelineKeyCreate) },
      responses: { 201: jsonContent(PipelineKeyCreated, 'The key; store it now'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) => c.json(await createPipelineKey(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id, c.req.valid('json'), c.get('requestId')), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/{pipeline_id}/keys',
      tags,
      summary: "A pipeline's keys, with their last use",
      ...asUser,
      request: { params: PipelineParam },
      responses: { 200: jsonContent(PipelineKeyList, 'Keys'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await listPipelineKeys(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/pipelines/{pipeline_id}/keys/{key_id}',
      tags,
      summary: 'Revoke a key; it answers 401 from the next request on',
      ...asUser,
      request: { params: PipelineParam.extend({ key_id: Uuid }) },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { pipeline_id, key_id } = c.req.valid('param')
      await revokePipelineKey(c.get('db'), currentUser(c), pipeline_id, key_id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/pipelines/{pipeline_id}/secrets',
      tags,
      summary: 'Create an HMAC secret for callbacks or webhooks (shown once; two may be active)',
      ...asUserWithJson,
      request: { params: PipelineParam, body: jsonRequest(PipelineSecretCreate) },
      responses: { 201: jsonContent(PipelineSecretCreated, 'The secret; store it now'), ...errorResponses(400, 401, 403, 404, 409, 415) },
    }),
    async (c) =>
      c.json(
        await createPipelineSecret(c.get('db'), c.get('config'), currentUser(c), c.req.valid('param').pipeline_id, c.req.valid('json').purpose, c.get('requestId')),
        201,
      ),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/pipelines/{pipeline_id}/secrets',
      tags,
      summary: "A pipeline's secrets (never their values)",
      ...asUser,
      request: { params: PipelineParam },
      responses: { 200: jsonContent(PipelineSecretList, 'Secrets'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await listPipelineSecrets(c.get('db'), currentUser(c), c.req.valid('param').pipeline_id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/pipelines/{pipeline_id}/secrets/{secret_id}',
      tags,
      summary: 'Revoke a secret',
      ...asUser,
      request: { params: PipelineParam.extend({ secret_id: Uuid }) },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { pipeline_id, secret_id } = c.req.valid('param')
      await revokePipelineSecret(c.get('db'), currentUser(c), pipeline_id, secret_id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
