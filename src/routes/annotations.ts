import { createRoute } from '@hono/zod-openapi'
import { analysisStub } from '../../durable-objects/analysis-object'
import { currentUser } from '../auth/middleware'
import { reviewAnnotation } from '../domain/review'
import { createRouter } from '../http/router'
import { Annotation, ReviewUpdate } from '../schemas/analyses'
import { errorResponses } from '../schemas/common'
import { asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { IdParam } from './params'

export const annotationRoutes = createRouter().openapi(
  createRoute({
    method: 'patch',
    path: '/api/annotations/{id}/review',
    tags: ['Review'],
    summary: 'Accept, reject or reset one annotation (editor or owner)',
    description: 'Everyone watching the analysis live sees the decision as a `review` event.',
    ...asUserWithJson,
    request: { params: IdParam, body: jsonRequest(ReviewUpdate) },
    responses: { 200: jsonContent(Annotation, 'The annotation with its review'), ...errorResponses(400, 401, 403, 404, 415) },
  }),
  async (c) => {
    const { analysis, annotation } = await reviewAnnotation(c.var, currentUser(c), c.req.valid('param').id, c.req.valid('json'), c.get('requestId'))
    c.executionCtx.waitUntil(analysisStub(c.env, analysis.id).reviewed([annotation]))
    return c.json(annotation, 200)
  },
)
