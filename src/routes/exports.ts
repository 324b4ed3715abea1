import { createRoute } from '@hono/zod-openapi'
import { currentUser } from '../auth/middleware'
import { analysisForUser } from '../domain/analyses'
import { bundleEntries } from '../domain/exports/bundle'
import { analysisFilename, compactTimestamp, download, filenameSafe } from '../domain/exports/download'
import { analysisExport } from '../domain/exports/formats'
import { PROJECT_DATASETS, projectDataset } from '../domain/exports/project'
import { loadAnalysisSource } from '../domain/exports/reader'
import { readableFrom, zipStream } from '../domain/exports/stream'
import { getProject } from '../domain/projects'
import { createRouter } from '../http/router'
import { errorResponses } from '../schemas/common'
import { AnalysisExportQuery, downloadResponse, ProjectExportQuery } from '../schemas/exports'
import { asUser } from './access'
import { IdParam, ProjectParam } from './params'

/** Every export streams: annotations are read from D1 a page at a time while the response is written. */
export const exportRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{id}/export',
      tags: ['Exports'],
      summary: 'Download an analysis as JSON, CSV, COCO or YOLO',
      description:
        'Named `analysis_{model_name}_{timestamp}.{ext}`. `json`: metadata, provenance, artifacts, every annotation with its review state. ' +
        '`csv`: RFC 4180, one row per annotation. `coco`: the dataset form, or with `variant=results` the detection results array; ' +
        'attributes COCO lacks sit under `loupe`. `yolo`: a zip of `labels/`, `images/`, `classes.txt` and `data.yaml`.',
      ...asUser,
      request: { params: IdParam, query: AnalysisExportQuery },
      responses: {
        200: downloadResponse('The export, streamed', ['application/json', 'text/csv', 'application/zip']),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { analysis } = await analysisForUser(c.get('db'), currentUser(c), c.req.valid('param').id, 'read')
      const { format, variant } = c.req.valid('query')
      const src = await loadAnalysisSource(c.get('db'), c.get('d1'), c.env.BUCKET, analysis)
      const file = analysisExport(src, format, variant)
      return download(readableFrom(file.body), analysisFilename(analysis, file.ext), file.contentType)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/analyses/{id}/bundle',
      tags: ['Exports'],
      summary: 'Download the provenance bundle: manifest, annotations and artifacts in one zip',
      description:
        '`manifest.json` holds the analysis, its parameters and provenance, and every artifact with its size and SHA-256 as streamed into the zip; ' +
        '`annotations.jsonl` has one annotation per line; the artifacts themselves are under `artifacts/`.',
      ...asUser,
      request: { params: IdParam },
      responses: { 200: downloadResponse('The bundle, streamed', ['application/zip']), ...errorResponses(401, 404) },
    }),
    async (c) => {
      const { analysis } = await analysisForUser(c.get('db'), currentUser(c), c.req.valid('param').id, 'read')
      const src = await loadAnalysisSource(c.get('db'), c.get('d1'), c.env.BUCKET, analysis)
      return download(readableFrom(zipStream(bundleEntries(src))), analysisFilename(analysis, 'bundle.zip'), 'application/zip')
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/projects/{project_id}/export',
      tags: ['Exports'],
      summary: "Download the project's images and annotations as one COCO or YOLO dataset",
      description:
        'Each image contributes its latest completed analysis (by `model`, when given); images without one are left out. ' +
        'With `review=accepted` only accepted annotations are exported. A zip: COCO as `annotations.json` and `images/`, YOLO as for one analysis.',
      ...asUser,
      request: { params: ProjectParam, query: ProjectExportQuery },
      responses: { 200: downloadResponse('The dataset, streamed', ['application/zip']), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const project = await getProject(c.get('db'), currentUser(c), c.req.valid('param').project_id, 'read')
      const query = c.req.valid('query')
      const dataset = await projectDataset(c.get('d1'), c.env.BUCKET, project, query)
      const filename = `project_${filenameSafe(project.name, 'project')}_${filenameSafe(query.model ?? 'all-models', 'model')}_${compactTimestamp(null)}.${query.format}.zip`
      return download(readableFrom(zipStream(PROJECT_DATASETS[query.format](dataset))), filename, 'application/zip')
    },
  )
