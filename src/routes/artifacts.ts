import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { and, eq } from 'drizzle-orm'
import type { AppEnv } from '../app-env'
import { currentUser, requireUser } from '../auth/middleware'
import { analysisForUser } from '../domain/analyses'
import { checkDownloadPath } from '../domain/artifacts'
import { artifacts } from '../db/schema'
import { notFound } from '../errors'
import { mlEnabled, requestOrigin } from '../http/context'
import { DownloadQuery, DownloadResponse } from '../schemas/artifacts'
import { errorResponses } from '../schemas/common'
import { presign } from '../storage/presign'
import { jsonContent, userSecurity } from './openapi'

const DOWNLOAD_TTL_SECONDS = 900

export const artifactRoutes = new OpenAPIHono<AppEnv>()
artifactRoutes.use('/api/ml/*', mlEnabled)
artifactRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/api/ml/artifacts/download',
    tags: ['Analyses'],
    summary: 'A presigned download URL for an artifact of an analysis the caller can read',
    security: userSecurity,
    middleware: [requireUser] as const,
    request: { query: DownloadQuery },
    responses: {
      200: jsonContent(DownloadResponse, 'URL'),
      ...errorResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const path = c.req.valid('query').storage_path
    checkDownloadPath(path)
    const analysisId = path.split('/')[1]!
    const parsed = z.uuid().safeParse(analysisId)
    if (!parsed.success) throw notFound('Artifact')
    await analysisForUser(c.get('db'), currentUser(c), analysisId, 'read')
    const row = await c
      .get('db')
      .select({ id: artifacts.id })
      .from(artifacts)
      .where(and(eq(artifacts.storagePath, path), eq(artifacts.analysisId, analysisId)))
      .get()
    // Logs are written by the platform itself and have no artifact row.
    if (!row && !path.startsWith(`ml_outputs/${analysisId}/logs/`)) throw notFound('Artifact')
    const signed = await presign(c.get('config'), requestOrigin(c), path, { method: 'GET', expiresIn: DOWNLOAD_TTL_SECONDS })
    return c.json({ download_url: signed.url, expires_at: signed.expiresAt }, 200)
  },
)
