import { z } from 'zod'
import { Timestamp, Uuid } from './common'

/** `importing` while objects are written: readers never see an import that has not finished. */
export const GROUND_TRUTH_IMPORT_STATUSES = ['importing', 'complete', 'failed'] as const
/** `empty`: someone looked and there is nothing to find. `complete`: the accepted predictions are all there is. */
export const IMAGE_REVIEW_STATES = ['empty', 'complete'] as const

/** The request body limit of a ground-truth import: Cloudflare's own limit on request bodies (Free and Pro plans). */
export const MAX_GROUND_TRUTH_BYTES = 100 * 1024 * 1024
/** Unmatched file names kept on an import row; the count is always exact. */
export const MAX_UNMATCHED_NAMES = 1000

export const GroundTruthCategory = z
  .object({
    id: z.number().int(),
    name: z.string(),
    supercategory: z.string().nullable().optional(),
    keypoints: z.array(z.string()).optional(),
    skeleton: z.array(z.tuple([z.number().int(), z.number().int()])).optional(),
  })
  .meta({ id: 'GroundTruthCategory' })

export const GroundTruthImport = z
  .object({
    id: Uuid,
    project_id: Uuid,
    name: z.string().nullable(),
    status: z.enum(GROUND_TRUTH_IMPORT_STATUSES),
    error_message: z.string().nullable(),
    created_by_id: Uuid.nullable(),
    created_at: Timestamp,
    completed_at: Timestamp.nullable(),
    file_sha256: z.string().nullable().meta({ description: 'SHA-256 of the request body, hex' }),
    file_bytes: z.number().int(),
    counts: z.object({
      images: z.number().int().meta({ description: 'Images listed in the file' }),
      matched_images: z.number().int().meta({ description: 'Listed images whose file name is an image of the project' }),
      unmatched_images: z.number().int(),
      objects: z.number().int().meta({ description: 'Objects stored (of matched images and known categories)' }),
      skipped_objects: z.number().int().meta({ description: 'Objects of unmatched images or of categories the file does not list' }),
      categories: z.number().int(),
    }),
    categories: z.array(GroundTruthCategory),
    unmatched_file_names: z.array(z.string()).meta({ description: `The first ${MAX_UNMATCHED_NAMES} file names no project image has` }),
  })
  .meta({ id: 'GroundTruthImport' })
export type GroundTruthImport = z.infer<typeof GroundTruthImport>

export const GroundTruthImportList = z
  .object({ imports: z.array(GroundTruthImport), total: z.number().int() })
  .meta({ id: 'GroundTruthImportList' })

export const GroundTruthImportQuery = z.object({
  name: z.string().trim().min(1).max(200).optional().meta({ description: 'A label for the import, e.g. the file name' }),
})

const Segmentation = z.union([
  z.array(z.array(z.number())),
  z.object({ counts: z.union([z.string(), z.array(z.number().int())]), size: z.tuple([z.number().int(), z.number().int()]) }),
])

export const GroundTruthObject = z
  .object({
    id: Uuid,
    import_id: Uuid,
    image_id: Uuid,
    coco_id: z.string().nullable().meta({ description: "The annotation's id in the imported file" }),
    class_name: z.string(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable().meta({ description: '[x, y, width, height] in image pixels' }),
    area: z.number().nullable(),
    iscrowd: z.boolean(),
    segmentation: Segmentation.nullable().meta({ description: 'COCO polygons or RLE, as imported' }),
    keypoints: z.array(z.number()).nullable().meta({ description: 'COCO x, y, v triples' }),
    num_keypoints: z.number().int().nullable(),
  })
  .meta({ id: 'GroundTruthObject' })
export type GroundTruthObject = z.infer<typeof GroundTruthObject>

export const ImageGroundTruth = z
  .object({
    image_id: Uuid,
    import: GroundTruthImport.pick({ id: true, name: true, created_at: true, categories: true }).nullable(),
    objects: z.array(GroundTruthObject),
    review_mark: z.lazy(() => ReviewMark).nullable(),
  })
  .meta({ id: 'ImageGroundTruth' })

export const ImageGroundTruthQuery = z.object({
  import_id: Uuid.optional().meta({ description: "Default: the project's latest complete import" }),
})

export const ReviewMarkUpdate = z
  .object({ state: z.enum(IMAGE_REVIEW_STATES), note: z.string().max(2000).nullish() })
  .meta({ id: 'ReviewMarkUpdate', example: { state: 'empty' } })

export const ReviewMark = z
  .object({
    image_id: Uuid,
    state: z.enum(IMAGE_REVIEW_STATES),
    note: z.string().nullable(),
    reviewed_by_id: Uuid.nullable(),
    reviewed_at: Timestamp,
  })
  .meta({ id: 'ReviewMark' })
export type ReviewMark = z.infer<typeof ReviewMark>

/* The parts of a COCO file an import reads, each validated as it streams by. Loose: COCO files carry extra fields. */
const cocoId = z.union([z.number().int(), z.string().min(1).max(256)])
const finite = z.number().finite()

export const CocoImageInput = z.looseObject({
  id: cocoId,
  file_name: z.string().min(1).max(1024),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
})

export const CocoCategoryInput = z.looseObject({
  id: z.number().int(),
  name: z.string().min(1).max(256),
  supercategory: z.string().max(256).nullish(),
  keypoints: z.array(z.string().max(128)).max(1000).optional(),
  skeleton: z.array(z.tuple([z.number().int(), z.number().int()])).max(10_000).optional(),
})

const CocoRle = z.object({
  size: z.tuple([z.number().int().positive(), z.number().int().positive()]),
  counts: z.union([z.string().min(1), z.array(z.number().int().nonnegative()).min(1)]),
})

export const CocoAnnotationInput = z
  .looseObject({
    id: cocoId.optional(),
    image_id: cocoId,
    category_id: z.number().int(),
    bbox: z.tuple([finite, finite, finite.nonnegative(), finite.nonnegative()]).optional(),
    area: finite.nonnegative().optional(),
    iscrowd: z.union([z.literal(0), z.literal(1), z.boolean()]).optional(),
    segmentation: z.union([z.array(z.array(finite).min(4)).min(1), CocoRle, z.tuple([]).meta({ description: 'No segmentation' })]).optional(),
    keypoints: z
      .array(finite)
      .max(3000)
      .refine((k) => k.length % 3 === 0, 'keypoints are x, y, v triples')
      .optional(),
    num_keypoints: z.number().int().nonnegative().optional(),
  })
  .refine((a) => a.bbox || (a.segmentation && !(Array.isArray(a.segmentation) && a.segmentation.length === 0)) || a.keypoints?.length, {
    message: 'an annotation needs a bbox, a segmentation or keypoints',
  })
export type CocoAnnotationInput = z.infer<typeof CocoAnnotationInput>

/** For the OpenAPI document only: the import reads the body as a stream and validates each part. */
export const CocoGroundTruthFile = z
  .object({
    images: z.array(CocoImageInput),
    annotations: z.array(CocoAnnotationInput),
    categories: z.array(CocoCategoryInput),
  })
  .meta({
    id: 'CocoGroundTruthFile',
    description: 'A COCO object-detection, segmentation or keypoint file. Images are matched by file name, categories by name.',
    example: {
      images: [{ id: 1, file_name: 'astronaut.png', width: 512, height: 512 }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [140, 30, 240, 470], area: 112800, iscrowd: 0 }],
      categories: [{ id: 1, name: 'person' }],
    },
  })
