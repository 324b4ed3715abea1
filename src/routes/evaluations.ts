import { createRoute, z } from '@hono/zod-openapi'
import { evaluationStub } from '../../durable-objects/evaluation-object'
import { currentUser } from '../auth/middleware'
import { compareEvaluations, evaluationCell, evaluationImageObjects, evaluationImages, evaluationMatches, evaluationObjects } from '../domain/evaluations/reads'
import { createEvaluation, deleteEvaluation, getEvaluation, listEvaluations } from '../domain/evaluations/records'
import { createRouter } from '../http/router'
import { errorResponses, Uuid } from '../schemas/common'
import {
  Evaluation,
  EvaluationCell,
  EvaluationCellQuery,
  EvaluationCompareQuery,
  EvaluationComparison,
  EvaluationCreate,
  EvaluationImageList,
  EvaluationImageObjects,
  EvaluationImageQuery,
  EvaluationList,
  EvaluationObjectPage,
  EvaluationObjectQuery,
  MatchIndex,
} from '../schemas/evaluations'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest } from './openapi'
import { IdParam, ProjectParam } from './params'

const tags = ['Evaluation']

/** A read of a completed evaluation's result, by `{id}` and a query: 409 while the evaluation is not completed. */
const resultPage = <P extends string, Q extends z.ZodObject, R extends ReturnType<typeof jsonContent>>(r: { path: P; summary: string; query: Q; response: R }) =>
  createRoute({
    method: 'get',
    path: r.path,
    tags,
    summary: r.summary,
    ...asUser,
    request: { params: IdParam, query: r.query },
    responses: { 200: r.response, ...errorResponses(400, 401, 404, 409) },
  })

/** Evaluations of predictions against ground truth: see docs/evaluation.md#api. */
export const evaluationRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/projects/{project_id}/evaluations',
      tags,
      summary: 'Evaluate a model version or an analysis group against ground truth (editor or owner)',
      description:
        'Small evaluations are computed in the request and answered with 201 and the result; larger ones run in the background and ' +
        'answer 202: poll `GET /api/evaluations/{id}`. Past what a Worker holds, 422 `evaluation_too_large`.',
      ...asUserWithJson,
      request: { params: ProjectParam, body: jsonRequest(EvaluationCreate) },
      responses: {
        201: jsonContent(Evaluation, 'Computed'),
        202: jsonContent(Evaluation, 'Queued: poll it'),
        ...errorResponses(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const runner = { start: (id: string) => evaluationStub(c.env, id).start() }
      const { status, evaluation } = await createEvaluation(c.var, c.env.BUCKET, runner, currentUser(c), c.req.valid('param').project_id, c.req.valid('json'), c.get('requestId'))
      return status === 201 ? c.json(evaluation, 201) : c.json(evaluation, 202)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/evaluations',
      tags,
      summary: 'The project’s evaluations, newest first (summaries, without results)',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(EvaluationList, 'Evaluations'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await listEvaluations(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  // Before `/api/evaluations/{id}`, which would read `compare` as an id.
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/evaluations/compare',
      tags,
      summary: 'Two evaluations side by side: every stat and per-class AP, with their differences',
      ...asUser,
      request: { query: EvaluationCompareQuery },
      responses: { 200: jsonContent(EvaluationComparison, 'The comparison'), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { a, b } = c.req.valid('query')
      return c.json(await compareEvaluations(c.get('db'), c.env.BUCKET, currentUser(c), a, b), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/evaluations/{id}',
      tags,
      summary: 'An evaluation: its status and, once completed, its result',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(Evaluation, 'The evaluation'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await getEvaluation(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/evaluations/{id}',
      tags,
      summary: 'Delete an evaluation and its stored result (editor or owner)',
      ...asUser,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await deleteEvaluation(c.var, c.env.BUCKET, currentUser(c), c.req.valid('param').id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
  .openapi(
    resultPage({ path: '/api/evaluations/{id}/objects', summary: 'Objects by outcome, class, kind or image, optionally at a confidence threshold', query: EvaluationObjectQuery, response: jsonContent(EvaluationObjectPage, 'A page of objects') }),
    async (c) => c.json(await evaluationObjects(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    resultPage({ path: '/api/evaluations/{id}/images', summary: 'The evaluated images with their TP, FP and FN counts, most errors first', query: EvaluationImageQuery, response: jsonContent(EvaluationImageList, 'Images') }),
    async (c) => c.json(await evaluationImages(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/evaluations/{id}/images/{image_id}',
      tags,
      summary: 'Every object of one image with its outcome, matched object and IoU',
      ...asUser,
      request: { params: IdParam.extend({ image_id: Uuid }) },
      responses: { 200: jsonContent(EvaluationImageObjects, 'Objects of the image'), ...errorResponses(401, 404, 409) },
    }),
    async (c) => {
      const { id, image_id } = c.req.valid('param')
      return c.json(await evaluationImageObjects(c.get('db'), c.env.BUCKET, currentUser(c), id, image_id), 200)
    },
  )
  .openapi(
    resultPage({ path: '/api/evaluations/{id}/confusion', summary: 'The objects of one confusion-matrix cell, a page at a time', query: EvaluationCellQuery, response: jsonContent(EvaluationCell, 'A page of the cell') }),
    async (c) => c.json(await evaluationCell(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/evaluations/{id}/matches',
      tags,
      summary: 'The live-threshold index: per class, detection scores highest first and whether each is a true positive',
      description: 'Fetched once; precision, recall and F1 at any threshold follow from it with no further request. See docs/evaluation.md#live-threshold.',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: jsonContent(MatchIndex, 'The index'), ...errorResponses(401, 404, 409) },
    }),
    async (c) => {
      const body = await evaluationMatches(c.get('db'), c.env.BUCKET, currentUser(c), c.req.valid('param').id)
      return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'private, max-age=3600' } }) as never
    },
  )
