import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { artifactDownload } from '../domain/artifacts'
import { requestOrigin } from '../http/context'
import { createRouter } from '../http/router'
import { DownloadQuery, DownloadResponse } from '../schemas/artifacts'
import { errorResponses } from '../schemas/common'
import { asUser } from './access'
import { jsonContent } from './openapi'

export const artifactRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/ml/artifacts/download',
    tags: ['Analyses'],
    summary: 'A presigned download URL for an artifact of an analysis the caller can read',
    ...asUser,
    request: { query: DownloadQuery },
    responses: { 200: jsonContent(DownloadResponse, 'URL'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => c.json(await artifactDownload(c.get('db'), c.env.BUCKET, c.get('config'), requestOrigin(c), currentUser(c), c.req.valid('query').storage_path), 200),
)
