import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { projectAudit, projectAuditSummary } from '../domain/audit-read'
import { grantPipeline, listGrants, revokeGrant } from '../domain/pipelines/grants'
import { createRouter } from '../http/router'
import { AuditPage, AuditQuery, AuditSummary, AuditSummaryQuery } from '../schemas/audit-log'
import { errorResponses, Uuid } from '../schemas/common'
import { Grant, GrantCreate, GrantList } from '../schemas/pipelines'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { ProjectParam } from './params'

/** What a project's owners decide about pipelines, and the trail they read. */
export const grantRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/pipelines',
      tags: ['Pipelines'],
      summary: 'Pipelines this project grants',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(GrantList, 'Grants'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await listGrants(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/pipelines',
      tags: ['Pipelines'],
      summary: 'Grant a pipeline access to this project (owner only)',
      description: 'The pipeline may then create analyses for its models on the project’s images, and claim the project’s work.',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(GrantCreate) },
      responses: { 201: jsonContent(Grant, 'Granted'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) =>
      c.json(await grantPipeline(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('json').pipeline_id, c.get('requestId')), 201),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/projects/{project_id}/pipelines/{pipeline_id}',
      tags: ['Pipelines'],
      summary: 'Revoke a pipeline’s grant (owner only); its keys and credentials stop working here at once',
      ...asUser,
      request: { params: ProjectParam.extend({ pipeline_id: Uuid }) },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { project_id, pipeline_id } = c.req.valid('param')
      await revokeGrant(c.get('db'), currentUser(c), project_id, pipeline_id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/audit',
      tags: ['Audit'],
      summary: 'The audit trail, newest first (owner only)',
      description:
        'Transitions, failed signatures (with the client IP and the reason), key creation, use and revocation, grants. ' +
        'Rows about the pipelines the project grants are included. Filter by `kind`, `actor` and time; page with `cursor`.',
      ...asUser,
      request: { params: ProjectParam, query: AuditQuery },
      responses: { 200: jsonContent(AuditPage, 'A page of audit rows'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await projectAudit(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/audit/summary',
      tags: ['Audit'],
      summary: 'Counts by action, and failed signatures by pipeline and by hour (owner only)',
      ...asUser,
      request: { params: ProjectParam, query: AuditSummaryQuery },
      responses: { 200: jsonContent(AuditSummary, 'The summary'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await projectAuditSummary(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query').since), 200),
  )
