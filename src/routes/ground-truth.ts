import { createRoute, z } from '@hono/zod-openapi'
import { currentUser, requireUser } from '../auth/middleware'
import { importGroundTruth } from '../domain/ground-truth/import'
import { deleteImport, getImport, imageGroundTruth, importForUser, listImports } from '../domain/ground-truth/imports'
import { clearReviewMark, getReviewMark, setReviewMark } from '../domain/review-marks'
import { notFound } from '../errors'
import { assertJsonContentType } from '../http/json-body'
import { createRouter } from '../http/router'
import { validationError } from '../http/validation'
import { errorResponses, Uuid } from '../schemas/common'
import {
  CocoGroundTruthFile,
  GroundTruthImport,
  GroundTruthImportList,
  GroundTruthImportQuery,
  ImageGroundTruth,
  ImageGroundTruthQuery,
  MAX_GROUND_TRUTH_BYTES,
  ReviewMark,
  ReviewMarkUpdate,
} from '../schemas/ground-truth'
import { asUser, asUserWithJson } from './access'
import { jsonContent, jsonRequest, userSecurity } from './openapi'
import { ImageParam, ProjectParam } from './params'

const ImportParam = z.object({ project_id: Uuid, import_id: Uuid })

export const groundTruthRoutes = createRouter()

// The import reads its body as a stream, so it is documented here and validated part by part in
// the domain, rather than parsed whole by the route's validator.
groundTruthRoutes.openAPIRegistry.registerPath(
  createRoute({
    method: 'post',
    path: '/api/projects/{project_id}/ground-truth',
    tags: ['Ground truth'],
    summary: 'Import a COCO file as the project’s ground truth (editor or owner)',
    description:
      `The body is the COCO JSON itself, at most ${MAX_GROUND_TRUTH_BYTES / 1024 / 1024} MiB, read as it streams. Images are matched by file name ` +
      '(the base name), categories by name. Boxes, polygons, RLE, keypoints, `iscrowd` and `area` are kept. Objects of images the project ' +
      'does not have are skipped and the file names listed. A file that does not validate is refused whole: nothing is stored.',
    security: userSecurity,
    request: { params: ProjectParam, query: GroundTruthImportQuery, body: jsonRequest(CocoGroundTruthFile) },
    responses: { 201: jsonContent(GroundTruthImport, 'Imported'), ...errorResponses(400, 401, 403, 404, 413, 415) },
  }),
)
groundTruthRoutes.post('/api/projects/:project_id/ground-truth', requireUser, async (c) => {
  const params = ProjectParam.safeParse({ project_id: c.req.param('project_id') })
  if (!params.success) throw validationError(params.error, 'param')
  const query = GroundTruthImportQuery.safeParse(c.req.query())
  if (!query.success) throw validationError(query.error, 'query')
  assertJsonContentType(c)
  const imported = await importGroundTruth(c.var, currentUser(c), params.data.project_id, c.req.raw.body, {
    declaredBytes: Number(c.req.header('Content-Length') ?? NaN),
    name: query.data.name,
    requestId: c.get('requestId'),
  })
  return c.json(imported, 201)
})

groundTruthRoutes
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/ground-truth',
      tags: ['Ground truth'],
      summary: 'The project’s ground-truth imports, newest first',
      ...asUser,
      request: { params: ProjectParam },
      responses: { 200: jsonContent(GroundTruthImportList, 'Imports'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await listImports(c.get('db'), currentUser(c), c.req.valid('param').project_id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/ground-truth/{import_id}',
      tags: ['Ground truth'],
      summary: 'One import: provenance, counts, categories and unmatched file names',
      ...asUser,
      request: { params: ImportParam },
      responses: { 200: jsonContent(GroundTruthImport, 'The import'), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { project_id, import_id } = c.req.valid('param')
      const found = await getImport(c.get('db'), currentUser(c), import_id)
      if (found.project_id !== project_id) throw notFound('Ground-truth import')
      return c.json(found, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/projects/{project_id}/ground-truth/{import_id}',
      tags: ['Ground truth'],
      summary: 'Delete an import and its objects (editor or owner)',
      ...asUser,
      request: { params: ImportParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { project_id, import_id } = c.req.valid('param')
      const row = await importForUser(c.get('db'), currentUser(c), import_id)
      if (row.projectId !== project_id) throw notFound('Ground-truth import')
      await deleteImport(c.var, currentUser(c), import_id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/images/{image_id}/ground-truth',
      tags: ['Ground truth'],
      summary: 'One image’s ground truth and its review mark',
      ...asUser,
      request: { params: ImageParam, query: ImageGroundTruthQuery },
      responses: { 200: jsonContent(ImageGroundTruth, 'Objects of the latest (or the named) import'), ...errorResponses(401, 404, 409) },
    }),
    async (c) => c.json(await imageGroundTruth(c.var, currentUser(c), c.req.valid('param').image_id, c.req.valid('query').import_id), 200),
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/api/images/{image_id}/review-mark',
      tags: ['Review'],
      summary: 'Mark an image reviewed: `empty` (nothing to find) or `complete` (editor or owner)',
      description: 'An image marked `empty` is exported with zero annotations and counts in evaluations from reviews.',
      ...asUserWithJson,
      request: { params: ImageParam, body: jsonRequest(ReviewMarkUpdate) },
      responses: { 200: jsonContent(ReviewMark, 'The mark'), ...errorResponses(400, 401, 403, 404, 415) },
    }),
    async (c) => c.json(await setReviewMark(c.get('db'), currentUser(c), c.req.valid('param').image_id, c.req.valid('json'), c.get('requestId')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/images/{image_id}/review-mark',
      tags: ['Review'],
      summary: 'The image’s review mark, if any',
      ...asUser,
      request: { params: ImageParam },
      responses: { 200: jsonContent(ReviewMark, 'The mark'), ...errorResponses(401, 404) },
    }),
    async (c) => c.json(await getReviewMark(c.get('db'), currentUser(c), c.req.valid('param').image_id), 200),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/images/{image_id}/review-mark',
      tags: ['Review'],
      summary: 'Clear the image’s review mark (editor or owner)',
      ...asUser,
      request: { params: ImageParam },
      responses: { 204: { description: 'Cleared' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await clearReviewMark(c.get('db'), currentUser(c), c.req.valid('param').image_id, c.get('requestId'))
      return c.body(null, 204)
    },
  )
