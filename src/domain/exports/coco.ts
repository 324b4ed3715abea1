import type { Annotation } from '../../schemas/analyses'
import type { AnnotationType } from '../../schemas/annotation-types'
import type { Dataset, DatasetImage } from './dataset'
import { encodeCounts, rleArea, rleBbox, runsOf, type RleCounts } from '../../schemas/rle'
import { inImagePixels, type Rescaled } from './frame'
import { boxOf, extentOf, flatPoints, polygonArea, xywh } from './geometry'
import { keypointLayouts } from '../../db/export-sql'
import { annotationPages, classOf, distinctClasses, inChunks } from './reader'
import type { Chunk } from './stream'

/** The annotation types COCO has geometry for; classifications, heatmaps, masks and custom data stay out. */
const COCO_TYPES: readonly AnnotationType[] = ['bounding_box', 'polygon', 'segmentation', 'keypoint']
/** Below this confidence a keypoint is exported as labeled but not visible (v = 1). */
export const KEYPOINT_VISIBLE_CONFIDENCE = 0.5

interface Category {
  id: number
  name: string
  supercategory: string
  keypoints?: string[]
  skeleton?: [number, number][]
}

interface Geometry {
  bbox: [number, number, number, number]
  area: number
  segmentation?: { size: [number, number]; counts: string } | number[][]
  keypoints?: number[]
  num_keypoints?: number
  unmapped_keypoints?: string[]
  rescaled_from?: Rescaled
}

type KeypointData = { keypoints: { name: string; x: number; y: number; confidence?: number; visible?: boolean }[]; skeleton?: [number, number][] }

/**
 * Categories are the sorted class names, numbered from 1, so the results form and the dataset form
 * of the same analysis agree on ids. A keypoint category takes its names and skeleton from the
 * first keypoint annotation of that class; COCO's skeleton is 1-based, the guide's 0-based.
 */
async function categoriesOf(ds: Dataset): Promise<Map<string, Category>> {
  const ids = ds.images.map((i) => i.analysis.id)
  // A PNG segmentation's pixels live in an artifact, so only inline geometry makes a category.
  const names = await distinctClasses(ds.d1, ids, { review: ds.review, types: COCO_TYPES, inlineGeometry: true })
  const categories = new Map(names.map((name, i) => [name, { id: i + 1, name, supercategory: 'object' } as Category]))
  const layouts = inChunks(ids, async (chunk) => (await keypointLayouts(ds.d1, chunk, ds.review).all<{ name: string; data: string }>()).results)
  for await (const row of layouts) {
    const category = categories.get(row.name)
    if (!category || category.keypoints) continue
    const data = JSON.parse(row.data) as KeypointData
    category.keypoints = data.keypoints.map((k) => k.name)
    category.skeleton = (data.skeleton ?? []).map(([a, b]) => [a + 1, b + 1] as [number, number])
  }
  return categories
}

function keypointGeometry(data: KeypointData, category: Category): Geometry | null {
  const byName = new Map(data.keypoints.map((k) => [k.name, k]))
  const keypoints: number[] = []
  let labeled = 0
  for (const name of category.keypoints ?? []) {
    const k = byName.get(name)
    if (!k) {
      keypoints.push(0, 0, 0)
      continue
    }
    const visible = k.visible !== false && (k.confidence ?? 1) >= KEYPOINT_VISIBLE_CONFIDENCE
    keypoints.push(k.x, k.y, visible ? 2 : 1)
    labeled++
  }
  const extent = extentOf(data.keypoints.flatMap((k) => [k.x, k.y]))
  if (!extent) return null
  const bbox = xywh(extent)
  const unmapped = data.keypoints.filter((k) => !category.keypoints?.includes(k.name)).map((k) => k.name)
  return { bbox, area: bbox[2] * bbox[3], keypoints, num_keypoints: labeled, ...(unmapped.length && { unmapped_keypoints: unmapped }) }
}

/**
 * COCO geometry for one annotation in the image's own pixels, or null when it has none COCO can
 * hold. An RLE mask without bbox or area gets them from its runs, as pycocotools would compute them.
 */
export function cocoGeometry(a: Annotation, category: Category, image: Pick<DatasetImage, 'width' | 'height'>): Geometry | null {
  const { annotation, rescaled } = inImagePixels(a, image)
  const g = geometryOf(annotation, category, image)
  return g && rescaled ? { ...g, rescaled_from: rescaled } : g
}

function geometryOf(a: Annotation, category: Category, image: Pick<DatasetImage, 'width' | 'height'>): Geometry | null {
  const data = a.data
  switch (a.annotation_type) {
    case 'bounding_box': {
      const b = boxOf(data)
      if (!b) return null
      const bbox = xywh(b.box)
      return { bbox, area: bbox[2] * bbox[3], segmentation: [] }
    }
    case 'polygon': {
      const flat = flatPoints(data.points)
      const extent = extentOf(flat)
      return extent ? { bbox: xywh(extent), area: polygonArea(flat), segmentation: [flat] } : null
    }
    case 'segmentation': {
      // Rows stored before `size` was required take the image's size, as the viewer does.
      const size = (data.size as [number, number] | undefined) ?? (image.height && image.width ? [image.height, image.width] : null)
      const runs = 'counts' in data ? runsOf(data.counts as RleCounts) : null
      if (!size || !runs) return null
      return {
        bbox: (data.bbox as Geometry['bbox'] | undefined) ?? rleBbox(runs, size[0]),
        area: (data.area as number | undefined) ?? rleArea(runs),
        segmentation: { size, counts: typeof data.counts === 'string' ? data.counts : encodeCounts(runs) },
      }
    }
    case 'keypoint':
      return keypointGeometry(data as KeypointData, category)
    default:
      return null
  }
}

const extension = (a: Annotation, image: DatasetImage, g: Geometry) => ({
  id: a.id,
  analysis_id: a.analysis_id,
  annotation_type: a.annotation_type,
  class_name: a.class_name,
  confidence: a.confidence,
  review_state: a.review_state,
  review_note: a.review_note,
  model_name: image.analysis.model_name,
  model_version: image.analysis.model_version,
  ...(g.unmapped_keypoints && { unmapped_keypoints: g.unmapped_keypoints }),
  ...(g.rescaled_from && { rescaled_from: g.rescaled_from }),
})

/** Each exportable annotation of the dataset with its image, category and geometry, page by page. */
async function* cocoItems(ds: Dataset, categories: Map<string, Category>, skipped: { count: number }) {
  for (const image of ds.images) {
    for await (const page of annotationPages(ds.d1, image.analysis.id, { review: ds.review, types: COCO_TYPES })) {
      const items = []
      for (const a of page) {
        const category = categories.get(classOf(a))
        const g = category && cocoGeometry(a, category, image)
        if (category && g) items.push({ a, image, category, g })
        else skipped.count++
      }
      yield items
    }
  }
}

/**
 * The COCO dataset form: info, licenses, images and categories, then the annotations streamed page
 * by page. What COCO has no field for sits under `loupe`, per annotation and at the top level.
 */
export async function* cocoDataset(ds: Dataset): AsyncGenerator<Chunk> {
  const categories = await categoriesOf(ds)
  const head = {
    info: { description: 'Exported from Loupe', version: '1.0', year: new Date(ds.exportedAt).getUTCFullYear(), contributor: 'Loupe', url: '', date_created: ds.exportedAt },
    licenses: [],
    images: ds.images.map((i) => ({ id: i.cocoId, file_name: i.fileName, width: i.width, height: i.height, loupe: { image_id: i.imageId, analysis_id: i.analysis.id } })),
    categories: [...categories.values()],
  }
  yield `${JSON.stringify(head).slice(0, -1)},"annotations":[`
  let nextId = 1
  const skipped = { count: 0 }
  for await (const items of cocoItems(ds, categories, skipped)) {
    const out = items.map(({ a, image, category, g }) =>
      JSON.stringify({
        id: nextId++,
        image_id: image.cocoId,
        category_id: category.id,
        bbox: g.bbox,
        area: g.area,
        iscrowd: 0,
        segmentation: g.segmentation ?? [],
        ...(g.keypoints && { keypoints: g.keypoints, num_keypoints: g.num_keypoints }),
        ...(a.confidence !== null && { score: a.confidence }),
        loupe: extension(a, image, g),
      }),
    )
    if (out.length) yield (nextId - out.length > 1 ? ',' : '') + out.join(',')
  }
  yield `],"loupe":${JSON.stringify({ ...ds.origin, review: ds.review, excluded_types: ['classification', 'heatmap', 'mask', 'custom'], skipped: skipped.count })}}`
}

/**
 * COCO's detection results form: a bare array of `{image_id, category_id, bbox, score}`, with
 * `segmentation` or `keypoints` where the annotation has them. A missing confidence scores 1.
 */
export async function* cocoResults(ds: Dataset): AsyncGenerator<Chunk> {
  const categories = await categoriesOf(ds)
  yield '['
  let first = true
  for await (const items of cocoItems(ds, categories, { count: 0 })) {
    if (!items.length) continue
    const out = items.map(({ a, image, category, g }) =>
      JSON.stringify({
        image_id: image.cocoId,
        category_id: category.id,
        bbox: g.bbox,
        score: a.confidence ?? 1,
        ...(g.segmentation && !(Array.isArray(g.segmentation) && !g.segmentation.length) && { segmentation: g.segmentation }),
        ...(g.keypoints && { keypoints: g.keypoints }),
        loupe: extension(a, image, g),
      }),
    )
    yield (first ? '' : ',') + out.join(',')
    first = false
  }
  yield ']'
}
