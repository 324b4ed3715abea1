import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env'
import { currentUser, requireUser } from '../auth/middleware'
import { reviewAnnotation } from '../domain/review'
import { mlEnabled } from '../http/context'
import { jsonBody, MAX_JSON_BYTES } from '../http/json-body'
import { Annotation, ReviewUpdate } from '../schemas/analyses'
import { errorResponses, Uuid } from '../schemas/common'
import { jsonContent, jsonRequest, userSecurity } from './openapi'

export const annotationRoutes = new OpenAPIHono<AppEnv>()
annotationRoutes.use('/api/annotations/*', mlEnabled)
annotationRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/api/annotations/{id}/review',
    tags: ['Review'],
    summary: 'Accept, reject or reset one annotation (editor or owner)',
    security: userSecurity,
    middleware: [requireUser, jsonBody(MAX_JSON_BYTES)] as const,
    request: { params: z.object({ id: Uuid }), body: jsonRequest(ReviewUpdate) },
    responses: { 200: jsonContent(Annotation, 'The annotation with its review'), ...errorResponses(400, 401, 403, 404, 415) },
  }),
  async (c) =>
    c.json(await reviewAnnotation(c.get('db'), currentUser(c), c.req.valid('param').id, c.req.valid('json'), c.get('requestId')), 200),
)
