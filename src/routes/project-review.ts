import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { bulkAccept, listBulkReviews, undoBulk } from '../domain/project-review/bulk'
import { compareProject } from '../domain/project-review/compare'
import { reviewQueue } from '../domain/project-review/queue'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import {
  BulkReviewRequest,
  BulkReviewResponse,
  ProjectCompareQuery,
  ProjectComparison,
  ReviewBatchList,
  ReviewQueue,
  ReviewQueueQuery,
  UndoRequest,
  UndoResponse,
} from '../schemas/project-review'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { ProjectParam } from './params'

const tags = ['Review']

/** Review at the scale of a project: see docs/evaluation.md#review-at-the-scale-of-a-project. */
export const projectReviewRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/reviews/bulk',
      tags,
      summary: 'Accept every prediction of a model version at or above a confidence, in one undoable action (editor or owner)',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(BulkReviewRequest) },
      responses: { 200: jsonContent(BulkReviewResponse, 'Accepted; keep the undo token'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) => c.json(await bulkAccept(c.var, currentUser(c), c.req.valid('param').project_id, c.req.valid('json'), c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/reviews/bulk',
      tags,
      summary: 'The project’s bulk reviews, newest first (the last 100), with when each was undone',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(ReviewBatchList, 'Bulk reviews'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await listBulkReviews(c.var, currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/reviews/undo',
      tags,
      summary: 'Undo a bulk review (editor or owner)',
      description: 'Predictions someone has reviewed again since are left as they are now and counted as `skipped`. 409 when it was undone already.',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(UndoRequest) },
      responses: { 200: jsonContent(UndoResponse, 'Undone'), ...errorResponses(400, 401, 403, 404, 409, 415) },
    }),
    async (c) => c.json(await undoBulk(c.var, currentUser(c), c.req.valid('param').project_id, c.req.valid('json').undo_token, c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/review-queue',
      tags,
      summary: 'The images of a model version most worth a person’s time first: scores near a threshold, or disagreement with another version',
      ...asUser,
      request: { params: ProjectParam, query: ReviewQueueQuery },
      responses: { 200: jsonContent(ReviewQueue, 'A page of the queue'), ...errorResponses(400, 401, 404, 422) },
    }),
    async (c) => c.json(await reviewQueue(c.var, currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/compare',
      tags,
      summary: 'Two model versions across the project: matched, only-A, only-B and class-changed objects, images by disagreement',
      description: 'Images both versions analysed count (each one’s latest completed analysis). 422 `comparison_too_large` past 400,000 annotations.',
      ...asUser,
      request: { params: ProjectParam, query: ProjectCompareQuery },
      responses: { 200: jsonContent(ProjectComparison, 'The comparison'), ...errorResponses(400, 401, 404, 422) },
    }),
    async (c) => c.json(await compareProject(c.var, currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
