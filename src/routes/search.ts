import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { searchProjectAnalyses } from '../domain/search/analysis-search'
import { searchProjectAnnotations } from '../domain/search/annotation-search'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import { AnnotationSearchPage, AnnotationSearchQuery, ProjectAnalysisPage, ProjectAnalysisQuery } from '../schemas/search'
import { asUser } from './access'
import { jsonContent } from './openapi'
import { ProjectParam } from './params'

/** Project-wide search for the viewer's dataset view (docs/search.md). */
export const searchRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/analyses',
      tags: ['Search'],
      summary: "A project's analyses, filtered and sorted, cursor-paginated",
      description: 'Annotation filters (`has_class`, `min_confidence`, `review_state`) match analyses with at least one annotation meeting all of them.',
      ...asUser,
      request: { params: ProjectParam, query: ProjectAnalysisQuery },
      responses: { 200: jsonContent(ProjectAnalysisPage, 'A page of analyses'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await searchProjectAnalyses(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/annotations',
      tags: ['Search'],
      summary: "A project's annotations of one class, across its analyses, cursor-paginated",
      ...asUser,
      request: { params: ProjectParam, query: AnnotationSearchQuery },
      responses: { 200: jsonContent(AnnotationSearchPage, 'A page of annotations'), ...errorResponses(400, 401, 404) },
    }),
    async (c) => c.json(await searchProjectAnnotations(c.get('db'), currentUser(c), c.req.valid('param').project_id, c.req.valid('query')), 200),
  )
