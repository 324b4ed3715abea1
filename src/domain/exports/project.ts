import { completedModelNames, DATASET_IMAGES_PAGE, projectImagesPage, type DatasetImageRow } from '../../db/export-sql'
import { AppError } from '../../errors'
import type { ProjectExportQuery } from '../../schemas/exports'
import { cocoDataset } from './coco'
import { imageEntry, uniqueNamer, type Dataset, type DatasetImage } from './dataset'
import { imageSize } from './reader'
import type { ZipEntry } from './stream'
import { yoloEntries } from './yolo'

/**
 * A dataset's image list, read a page at a time by rowid and held: it is per image, not per
 * annotation; annotations are still paged. Each image gets a unique name and its size.
 */
export async function datasetImages<R extends DatasetImageRow>(
  d1: D1Database,
  page: (afterRowid: number) => D1PreparedStatement,
  analysisOf: (row: R) => DatasetImage['analysis'],
): Promise<DatasetImage[]> {
  const name = uniqueNamer()
  const images: DatasetImage[] = []
  for (let after = 0; ; ) {
    const { results } = await page(after).all<R>()
    for (const r of results) {
      images.push({
        cocoId: images.length + 1,
        imageId: r.id,
        ...name(r.filename, r.id),
        storageKey: r.storage_key,
        ...(await imageSize(d1, r, r.analysis_id)),
        analysis: analysisOf(r),
      })
    }
    if (results.length < DATASET_IMAGES_PAGE) return images
    after = results.at(-1)!._rowid
  }
}

/**
 * Each ready image of the project with its latest completed analysis (of `model`, when given).
 * Images no such analysis labels are left out: an image without labels would teach "nothing here".
 */
export const projectImages = (d1: D1Database, projectId: string, model: string | undefined) =>
  datasetImages<DatasetImageRow & { model_name: string; model_version: string }>(
    d1,
    (after) => projectImagesPage(d1, projectId, model ?? null, after),
    (r) => ({ id: r.analysis_id, model_name: r.model_name, model_version: r.model_version }),
  )

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
  const { results } = await completedModelNames(d1, projectId).all<{ model_name: string }>()
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
