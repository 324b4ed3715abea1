import { asc, eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { artifacts, images } from '../../db/schema'
import { notFound } from '../../errors'
import type { Analysis, Annotation } from '../../schemas/analyses'
import { annotationPages as pagesWhere } from '../../db/annotation-sql'
import { annotationWhere, distinctClassNames, reviewStateCounts, statedImageSize, UNLABELED, type AnnotationFilter } from '../../db/export-sql'
import { toArtifact, toImage } from '../serialize'

export { UNLABELED, type AnnotationFilter }
export const classOf = (a: Pick<Annotation, 'class_name'>) => a.class_name ?? UNLABELED

/** Rows per D1 query; an export holds at most one page of annotations at a time. */
export const EXPORT_PAGE_SIZE = 1000

export type ExportImage = ReturnType<typeof toImage> & { storage_key: string }
export type ExportArtifact = ReturnType<typeof toArtifact>

/** What every per-analysis export needs besides the annotations themselves; all of it is small. */
export interface AnalysisSource {
  d1: D1Database
  bucket: R2Bucket
  analysis: Analysis
  image: ExportImage
  artifacts: ExportArtifact[]
  exportedAt: string
}

export async function loadAnalysisSource(db: Database, d1: D1Database, bucket: R2Bucket, analysis: Analysis): Promise<AnalysisSource> {
  const [image, rows] = await Promise.all([
    db.select().from(images).where(eq(images.id, analysis.image_id)).get(),
    db.select().from(artifacts).where(eq(artifacts.analysisId, analysis.id)).orderBy(asc(artifacts.createdAt), asc(artifacts.id)),
  ])
  if (!image) throw notFound('Image')
  return {
    d1,
    bucket,
    analysis,
    image: { ...toImage(image), storage_key: image.storageKey },
    artifacts: rows.map(toArtifact),
    exportedAt: new Date().toISOString(),
  }
}

/** The annotations of one analysis in insertion order, a page at a time, so memory stays flat. */
export function annotationPages(d1: D1Database, analysisId: string, filter: AnnotationFilter = {}): AsyncGenerator<Annotation[]> {
  return pagesWhere(d1, annotationWhere(analysisId, filter), EXPORT_PAGE_SIZE)
}

/** How many annotations are in each review state: a GROUP BY, not a scan in the Worker. */
export async function reviewSummary(d1: D1Database, analysisId: string): Promise<Record<string, number>> {
  const { results } = await reviewStateCounts(d1, analysisId).all<{ state: string; n: number }>()
  const summary: Record<string, number> = { unreviewed: 0, accepted: 0, rejected: 0 }
  for (const r of results) summary[r.state] = Number(r.n)
  return summary
}

// D1 caps a statement at 100 bound parameters; leave room for the filter's own.
const IDS_PER_QUERY = 80

/** Runs `query` over `ids` in chunks small enough for D1's parameter limit. */
export async function* inChunks<T>(ids: readonly string[], query: (chunk: string[]) => Promise<T[]>): AsyncGenerator<T> {
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) yield* await query(ids.slice(i, i + IDS_PER_QUERY))
}

/**
 * The distinct class names across analyses, sorted, so category ids and YOLO class indices are the
 * same in every export of the same data. A missing class name becomes `unlabeled`.
 */
export async function distinctClasses(d1: D1Database, analysisIds: readonly string[], filter: AnnotationFilter & { inlineGeometry?: boolean }) {
  const names = new Set<string>()
  const rows = inChunks(analysisIds, async (chunk) => (await distinctClassNames(d1, chunk, filter).all<{ name: string }>()).results)
  for await (const r of rows) names.add(r.name)
  return [...names].sort()
}

/** The image's size from its row, else from the first annotation that states it. */
export async function imageSize(d1: D1Database, image: { width: number | null; height: number | null }, analysisId: string) {
  if (image.width && image.height) return { width: image.width, height: image.height }
  const row = await statedImageSize(d1, analysisId).first<{ w: number; h: number }>()
  return { width: image.width ?? row?.w ?? null, height: image.height ?? row?.h ?? null }
}
