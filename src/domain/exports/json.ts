import { exportedAnnotation } from './frame'
import { annotationPages, reviewSummary, type AnalysisSource } from './reader'
import type { Chunk } from './stream'

/** Where a reader of the export can fetch an artifact's bytes (a presigned URL, after a read check). */
export const artifactDownloadPath = (storagePath: string) => `/api/ml/artifacts/download?storage_path=${encodeURIComponent(storagePath)}`

/** How each export of one analysis opens: what it is and when, then the analysis, its image and its provenance. */
export const documentHead = <I extends object>(src: AnalysisSource, format: string, image: I) => ({
  format,
  format_version: 1,
  exported_at: src.exportedAt,
  analysis: src.analysis,
  image,
  parameters: src.analysis.parameters,
  provenance: src.analysis.provenance,
})

/**
 * The whole analysis as one JSON document: metadata, provenance, artifact references and a review
 * summary up front, then `annotations` (with their review states) written one page at a time, in
 * the image's pixels; one posted in another frame says which under `rescaled_from`.
 */
export async function* analysisJson(src: AnalysisSource): AsyncGenerator<Chunk> {
  const { analysis, image } = src
  const head = {
    ...documentHead(src, 'loupe.analysis', { id: image.id, filename: image.filename, content_type: image.content_type, width: image.width, height: image.height, sha256: image.sha256 }),
    artifacts: src.artifacts.map((a) => ({ ...a, download_path: artifactDownloadPath(a.storage_path) })),
    review_summary: await reviewSummary(src.d1, analysis.id),
  }
  const json = JSON.stringify(head)
  yield `${json.slice(0, -1)},"annotations":[`
  let first = true
  for await (const page of annotationPages(src.d1, analysis.id)) {
    yield (first ? '' : ',') + page.map((a) => JSON.stringify(exportedAnnotation(a, image))).join(',')
    first = false
  }
  yield ']}'
}
