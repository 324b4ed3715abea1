import type { Analysis } from '../../schemas/analyses'
import { filenameSafe } from './download'
import { imageSize, type AnalysisSource } from './reader'
import type { ZipEntry } from './stream'

/** One image of a dataset export and the analysis whose annotations label it. */
export interface DatasetImage {
  /** COCO wants integer ids: 1, 2, … in export order. */
  cocoId: number
  imageId: string
  /** Unique within the dataset and safe as a path segment; YOLO pairs `images/x.png` with `labels/x.txt`. */
  stem: string
  fileName: string
  storageKey: string
  width: number | null
  height: number | null
  analysis: Pick<Analysis, 'id' | 'model_name' | 'model_version'>
}

export interface Dataset {
  d1: D1Database
  bucket: R2Bucket
  images: DatasetImage[]
  review: 'accepted' | 'any'
  exportedAt: string
  /** Written under the top-level `loupe` key: where the dataset came from. */
  origin: Record<string, unknown>
}

/** Names a person would recognise, minus anything a path or an unzip tool could trip over. */
function splitName(filename: string): { stem: string; ext: string } {
  const dot = filename.lastIndexOf('.')
  const [stem, ext] = dot > 0 ? [filename.slice(0, dot), filename.slice(dot)] : [filename, '']
  return {
    stem: stem.replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^[.\s]+/, '').slice(0, 120) || 'image',
    ext: filenameSafe(ext, '').slice(0, 10),
  }
}

/** Gives each image a stem no other image in the dataset has, suffixing its id when two collide. */
export function uniqueNamer() {
  const used = new Set<string>()
  return (filename: string, imageId: string) => {
    let { stem, ext } = splitName(filename)
    if (used.has(stem.toLowerCase())) stem = `${stem}_${imageId.slice(0, 8)}`
    used.add(stem.toLowerCase())
    return { stem, fileName: stem + ext }
  }
}

export async function singleImageDataset(src: AnalysisSource): Promise<Dataset> {
  const { analysis, image } = src
  const size = await imageSize(src.d1, image, analysis.id)
  return {
    d1: src.d1,
    bucket: src.bucket,
    review: 'any',
    exportedAt: src.exportedAt,
    images: [{ cocoId: 1, imageId: image.id, ...uniqueNamer()(image.filename, image.id), storageKey: image.storage_key, ...size, analysis }],
    origin: {
      analysis_id: analysis.id,
      image_id: analysis.image_id,
      project_id: analysis.project_id,
      model_name: analysis.model_name,
      model_version: analysis.model_version,
      status: analysis.status,
      completed_at: analysis.completed_at,
      parameters: analysis.parameters,
      provenance: analysis.provenance,
      exported_at: src.exportedAt,
    },
  }
}

/** The image's bytes from R2 under `images/`, stored as they are: image formats are compressed already. */
export async function imageEntry(bucket: R2Bucket, image: DatasetImage): Promise<ZipEntry | null> {
  const object = await bucket.get(image.storageKey)
  return object ? { name: `images/${image.fileName}`, compress: false, body: object.body } : null
}
