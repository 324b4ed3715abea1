import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { listSnapshots, snapshotDownload, snapshotForUser } from '../domain/datasets/snapshots'
import { toSnapshot } from '../domain/serialize'
import { createRouter } from '../http/router'
import { errorResponses, Pagination } from '../schemas/common'
import { DatasetSnapshot, DatasetSnapshotList } from '../schemas/datasets'
import { downloadResponse } from '../schemas/exports'
import { asUser } from './access'
import { jsonContent } from './openapi'
import { IdParam, ProjectParam } from './params'

/** Dataset snapshots: a project's export frozen once at job creation and kept byte for byte (docs/jobs.md#datasets). */
export const datasetRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/datasets',
      tags: ['Datasets'],
      summary: 'The project’s dataset snapshots, newest first',
      ...asUser,
      request: { params: ProjectParam, query: Pagination },
      responses: { 200: jsonContent(DatasetSnapshotList, 'A page of snapshots'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await listSnapshots(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/datasets/{id}',
      tags: ['Datasets'],
      summary: 'A dataset snapshot: its status, SHA-256, size and the model versions whose analyses label it',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(DatasetSnapshot, 'The snapshot'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(toSnapshot(await snapshotForUser(c.get('db'), currentUser(c), c.req.valid('param').id)), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/datasets/{id}/download',
      tags: ['Datasets'],
      summary: 'The snapshot’s zip, the same bytes every time, with its SHA-256 as `Repr-Digest`',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: downloadResponse('The frozen zip', ['application/zip']), ...errorResponses(401, 404, 409) },
    }),
    async (c) => snapshotDownload(c.env.BUCKET, await snapshotForUser(c.get('db'), currentUser(c), c.req.valid('param').id)),
  )
