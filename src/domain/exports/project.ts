import { AppError } from '../../errors'
import type { ProjectExportQuery } from '../../schemas/exports'
import { cocoDataset } from './coco'
import { imageEntry, uniqueNamer, type Dataset, type DatasetImage } from './dataset'
import { imageSize } from './reader'
import type { ZipEntry } from './stream'
import { yoloEntries } from './yolo'

const IMAGES_PER_QUERY = 500

/**
 * Each ready image of the project with its latest completed analysis (of `model`, when given).
 * Images no such analysis labels are left out: an image without labels would teach "nothing here".
 * The list is per image, not per annotation, so it is held; annotations are still paged.
 */
export async function projectImages(d1: D1Database, projectId: string, model: string | undefined): Promise<DatasetImage[]> {
  const statement = d1.prepare(`
    SELECT i.rowid AS _rowid, i.id, i.filename, i.width, i.height, i.storage_key,
      a.id AS analysis_id, a.model_name, a.model_version
    FROM images i
    JOIN analyses a ON a.id = (
      SELECT id FROM analyses
      WHERE image_id = i.id AND status = 'completed' AND deleted_at IS NULL AND (?2 IS NULL OR model_name = ?2)
      ORDER BY completed_at DESC, created_at DESC, id DESC LIMIT 1)
    WHERE i.project_id = ?1 AND i.deleted_at IS NULL AND i.status = 'ready' AND i.rowid > ?3
    ORDER BY i.rowid LIMIT ${IMAGES_PER_QUERY}`)
  type Row = { _rowid: number; id: string; filename: string; width: number | null; height: number | null; storage_key: string; analysis_id: string; model_name: string; model_version: string }
  const name = uniqueNamer()
  const images: DatasetImage[] = []
  let after = 0
  for (;;) {
    const { results } = await statement.bind(projectId, model ?? null, after).all<Row>()
    for (const r of results) {
      images.push({
        cocoId: images.length + 1,
        imageId: r.id,
        ...name(r.filename, r.id),
        storageKey: r.storage_key,
        ...(await imageSize(d1, r, r.analysis_id)),
        analysis: { id: r.analysis_id, model_name: r.model_name, model_version: r.model_version },
      })
    }
    if (results.length < IMAGES_PER_QUERY) return images
    after = results.at(-1)!._rowid
  }
}

async function* withImages(ds: Dataset): AsyncGenerator<ZipEntry> {
  for (const image of ds.images) {
    const entry = await imageEntry(ds.bucket, image)
    if (entry) yield entry
  }
}

/** COCO as a zip: `annotations.json` (written as it streams), then every image under `images/`. */
export async function* cocoZipEntries(ds: Dataset): AsyncGenerator<ZipEntry> {
  yield { name: 'annotations.json', compress: true, body: cocoDataset(ds) }
  yield* withImages(ds)
}

export const PROJECT_DATASETS = {
  coco: cocoZipEntries,
  yolo: yoloEntries,
} as const

/** The models with a completed analysis in the project: the ones a dataset export can be asked for. */
export async function completedModels(d1: D1Database, projectId: string): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT DISTINCT model_name FROM analyses WHERE project_id = ? AND status = 'completed' AND deleted_at IS NULL ORDER BY model_name")
    .bind(projectId)
    .all<{ model_name: string }>()
  return results.map((r) => r.model_name)
}

/**
 * The project's dataset for retraining: one image list, annotations read per image as the zip
 * streams. A model nothing completed with is 404 naming the models there are, not an empty zip.
 */
export async function projectDataset(
  d1: D1Database,
  bucket: R2Bucket,
  project: { id: string; name: string },
  query: ProjectExportQuery,
): Promise<Dataset> {
  if (query.model) {
    const known = await completedModels(d1, project.id)
    if (!known.includes(query.model)) {
      throw new AppError(404, 'not_found', `No completed analysis of model "${query.model}" in this project; models: ${known.join(', ') || 'none yet'}`, {
        model: query.model,
        known_models: known,
      })
    }
  }
  const exportedAt = new Date().toISOString()
  return {
    d1,
    bucket,
    images: await projectImages(d1, project.id, query.model),
    review: query.review,
    exportedAt,
    origin: { project_id: project.id, project_name: project.name, model_name: query.model ?? null, review: query.review, exported_at: exportedAt },
  }
}
