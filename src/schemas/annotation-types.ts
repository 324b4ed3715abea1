import { z } from 'zod'
import { runsOf } from './rle'
import { refineWellFormed, text } from './unicode'

/**
 * One schema per annotation type, exactly as the ML Pipeline Integration Guide lays out `data`.
 * Objects are loose: pipelines may add their own fields, and Loupe stores them untouched.
 */

const coord = z.number().finite()
const size = z.number().int().positive()
const unit = z.number().min(0).max(1)

function insideImage(b: { image_width?: number; image_height?: number }, xs: number[], ys: number[], ctx: z.RefinementCtx) {
  const outside = (v: number, limit?: number) => limit !== undefined && (v < 0 || v > limit)
  if (xs.some((x) => outside(x, b.image_width))) ctx.addIssue({ code: 'custom', message: 'x coordinates must lie within 0..image_width' })
  if (ys.some((y) => outside(y, b.image_height))) ctx.addIssue({ code: 'custom', message: 'y coordinates must lie within 0..image_height' })
}

const imageSize = { image_width: size.optional(), image_height: size.optional() }

const BoxXYXY = z
  .looseObject({ x_min: coord, y_min: coord, x_max: coord, y_max: coord, ...imageSize })
  .superRefine((b, ctx) => {
    if (!(b.x_min < b.x_max)) ctx.addIssue({ code: 'custom', path: ['x_max'], message: 'x_max must be greater than x_min' })
    if (!(b.y_min < b.y_max)) ctx.addIssue({ code: 'custom', path: ['y_max'], message: 'y_max must be greater than y_min' })
    insideImage(b, [b.x_min, b.x_max], [b.y_min, b.y_max], ctx)
  })

const BoxLTRB = z
  .looseObject({ left: coord, top: coord, right: coord, bottom: coord, ...imageSize })
  .superRefine((b, ctx) => {
    if (!(b.left < b.right)) ctx.addIssue({ code: 'custom', path: ['right'], message: 'right must be greater than left' })
    if (!(b.top < b.bottom)) ctx.addIssue({ code: 'custom', path: ['bottom'], message: 'bottom must be greater than top' })
    insideImage(b, [b.left, b.right], [b.top, b.bottom], ctx)
  })

export const BoundingBoxData = z
  .union([BoxXYXY, BoxLTRB])
  .meta({
    id: 'BoundingBoxData',
    description: 'Pixel coordinates in the original image, top-left origin: x_min/y_min/x_max/y_max, or left/top/right/bottom.',
    example: { x_min: 100, y_min: 50, x_max: 300, y_max: 400, image_width: 1024, image_height: 768 },
  })

export const ClassificationData = z
  .looseObject({
    topk: z.array(z.looseObject({ class: text().min(1), confidence: unit })).min(1).max(1000).optional(),
    score: unit.optional(),
  })
  // One object, not a union of the two forms: an empty topk must not pass because a score came with it.
  .refine((d) => d.topk !== undefined || d.score !== undefined, { message: 'give topk (a non-empty list) or score' })
  .meta({
    id: 'ClassificationData',
    description: 'Top-k results, or a single score; both may be given.',
    example: { topk: [{ class: 'golden_retriever', confidence: 0.94 }, { class: 'labrador', confidence: 0.04 }] },
  })

export const HeatmapData = z
  .looseObject({ width: size, height: size, color_map: z.string().max(64).optional() })
  .meta({ id: 'HeatmapData', example: { width: 512, height: 512, color_map: 'viridis' } })

export const MaskData = z
  .looseObject({ width: size, height: size })
  .meta({ id: 'MaskData', example: { width: 1024, height: 768 } })

const rleCounts = z.union([z.string().min(1), z.array(z.number().int().nonnegative()).min(1)], {
  error: 'must be a list of run lengths or a COCO compressed string',
})

export const SegmentationRleData = z
  .looseObject({
    format: z.literal('rle'),
    counts: rleCounts.meta({ description: 'COCO RLE: the compressed string form, or the uncompressed array of run lengths' }),
    size: z.tuple([size, size], { error: (iss) => (iss.input === undefined ? 'is required: the [height, width] of the mask' : undefined) }).meta({ description: "[height, width] of the mask; a size other than the image's is scaled to it" }),
    bbox: z
      .tuple([coord, coord, coord.nonnegative(), coord.nonnegative()])
      .optional()
      .meta({ description: '[x, y, width, height]; exports derive it from the mask when left out' }),
    area: z.number().nonnegative().optional().meta({ description: 'Set pixels; exports derive it from the mask when left out' }),
  })
  .superRefine((d, ctx) => {
    const runs = runsOf(d.counts)
    if (!runs) {
      ctx.addIssue({ code: 'custom', path: ['counts'], message: 'is not a COCO compressed RLE string (as pycocotools encodes it)' })
      return
    }
    const [height, width] = d.size
    const sum = runs.reduce((a, b) => a + b, 0)
    if (sum !== height * width) {
      ctx.addIssue({ code: 'custom', path: ['counts'], message: `run lengths add up to ${sum}; a ${height} × ${width} mask needs ${height * width}` })
    }
  })

export const SegmentationPngData = z
  .looseObject({ format: z.literal('png').optional(), width: size, height: size })
  .refine((d) => !('counts' in d), { path: ['counts'], message: 'counts make an RLE segmentation: give format "rle" and size [height, width]' })

// Told apart by `format`, so an error names the field of the form that was meant, not "Invalid input".
export const SegmentationData = z
  .discriminatedUnion('format', [SegmentationRleData, SegmentationPngData])
  .meta({ id: 'SegmentationData', example: { format: 'rle', counts: '61X13mN000`0', size: [9, 10], bbox: [0, 2, 8, 5], area: 13 } })

const point = z.union([z.tuple([coord, coord]), z.looseObject({ x: coord, y: coord })])

export const PolygonData = z
  .looseObject({ points: z.array(point).min(3).max(100_000), ...imageSize })
  .meta({ id: 'PolygonData', example: { points: [[10, 10], [120, 15], [90, 140]] } })

export const KeypointData = z
  .looseObject({
    keypoints: z
      .array(z.looseObject({ name: z.string().min(1).max(128), x: coord, y: coord, confidence: unit.optional(), visible: z.boolean().optional() }))
      .min(1)
      .max(1000),
    ...imageSize,
    skeleton: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).max(10_000).optional(),
  })
  .superRefine((d, ctx) => {
    d.skeleton?.forEach(([a, b], i) => {
      if (a >= d.keypoints.length || b >= d.keypoints.length) {
        ctx.addIssue({ code: 'custom', path: ['skeleton', i], message: `skeleton indices must be below ${d.keypoints.length}, the number of keypoints` })
      }
    })
  })
  .meta({
    id: 'KeypointData',
    example: {
      keypoints: [
        { name: 'nose', x: 150, y: 100, confidence: 0.95 },
        { name: 'left_eye', x: 140, y: 95, confidence: 0.92 },
        { name: 'right_eye', x: 160, y: 95, confidence: 0.9 },
      ],
      skeleton: [[0, 1], [0, 2]],
    },
  })

export const MAX_CUSTOM_DATA_BYTES = 64 * 1024

export const CustomData = z
  .record(z.string(), z.unknown())
  .superRefine((d, ctx) => {
    const bytes = new TextEncoder().encode(JSON.stringify(d)).byteLength
    if (bytes > MAX_CUSTOM_DATA_BYTES) ctx.addIssue({ code: 'custom', message: `custom data is ${bytes} bytes; at most ${MAX_CUSTOM_DATA_BYTES}` })
  })
  .meta({ id: 'CustomData', example: { defect_type: 'scratch', severity: 'minor', metadata: { inspector: 'AI-v2' } } })

export const ANNOTATION_TYPES = ['bounding_box', 'classification', 'heatmap', 'mask', 'segmentation', 'polygon', 'keypoint', 'custom'] as const
export type AnnotationType = (typeof ANNOTATION_TYPES)[number]

/** Types whose pixels live in an uploaded artifact named by `storage_path`. */
export const BITMAP_TYPES = new Set<AnnotationType>(['heatmap', 'mask', 'segmentation'])

const common = {
  class_name: text().min(1).max(256).nullish(),
  confidence: unit.nullish(),
  ordering: z.number().int().nullish(),
  key: text().min(1).max(256).nullish().meta({ description: 'Stable key for `upsert` mode' }),
}

const storagePath = text().min(1).max(1024)

/**
 * One annotation's `data`, serialized. D1 holds at most 2,000,000 bytes in a row and local D1 does
 * not enforce it, so without this a larger annotation is stored in development and a 500 in
 * production; 1 MiB leaves room for the rest of the row.
 */
export const MAX_ANNOTATION_DATA_BYTES = 1024 * 1024

const encoder = new TextEncoder()

function dataWithinLimit(data: unknown, ctx: z.RefinementCtx) {
  const json = JSON.stringify(data)
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short text needs no encoding to be known small.
  const bytes = json.length * 3 <= MAX_ANNOTATION_DATA_BYTES ? json.length : encoder.encode(json).byteLength
  if (bytes > MAX_ANNOTATION_DATA_BYTES) {
    ctx.addIssue({ code: 'custom', message: `data is ${bytes} bytes as JSON; at most ${MAX_ANNOTATION_DATA_BYTES} bytes`, params: { max_bytes: MAX_ANNOTATION_DATA_BYTES } })
  }
}

const variant = <T extends AnnotationType, D extends z.ZodType>(type: T, data: D, storage: 'required' | 'optional' | 'none', example: object) =>
  z
    .object({
      annotation_type: z.literal(type),
      ...common,
      data: data.superRefine(dataWithinLimit),
      storage_path: storage === 'required' ? storagePath : storage === 'optional' ? storagePath.nullish() : z.null().optional(),
    })
    .meta({ id: `${type.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Annotation`, example })

export const AnnotationInput = z
  .discriminatedUnion('annotation_type', [
    variant('bounding_box', BoundingBoxData, 'none', {
      annotation_type: 'bounding_box',
      class_name: 'person',
      confidence: 0.87,
      data: { x_min: 100, y_min: 50, x_max: 300, y_max: 400, image_width: 1024, image_height: 768 },
      ordering: 0,
    }),
    variant('classification', ClassificationData, 'none', {
      annotation_type: 'classification',
      class_name: 'cat',
      confidence: 0.99,
      data: { score: 0.99 },
    }),
    variant('heatmap', HeatmapData, 'required', {
      annotation_type: 'heatmap',
      data: { width: 512, height: 512, color_map: 'viridis' },
      storage_path: 'ml_outputs/7c9e6679-7425-40de-944b-e07fc1f90ae7/heatmap.png',
    }),
    variant('mask', MaskData, 'required', {
      annotation_type: 'mask',
      class_name: 'building',
      data: { width: 1024, height: 768 },
      storage_path: 'ml_outputs/7c9e6679-7425-40de-944b-e07fc1f90ae7/mask.png',
    }),
    variant('segmentation', SegmentationData, 'optional', {
      annotation_type: 'segmentation',
      class_name: 'car',
      confidence: 0.91,
      data: { format: 'rle', counts: [0, 5, 10, 5], size: [4, 5], bbox: [0, 0, 5, 4], area: 10 },
    }),
    variant('polygon', PolygonData, 'none', {
      annotation_type: 'polygon',
      class_name: 'roof',
      confidence: 0.8,
      data: { points: [[10, 10], [120, 15], [90, 140]] },
    }),
    variant('keypoint', KeypointData, 'none', {
      annotation_type: 'keypoint',
      class_name: 'person',
      confidence: 0.88,
      data: { keypoints: [{ name: 'nose', x: 150, y: 100, confidence: 0.95 }, { name: 'left_eye', x: 140, y: 95 }], skeleton: [[0, 1]] },
    }),
    variant('custom', CustomData, 'optional', {
      annotation_type: 'custom',
      class_name: 'defect_analysis',
      data: { defect_type: 'scratch', severity: 'minor' },
    }),
  ])
  .superRefine((a, ctx) => {
    // An RLE segmentation carries its own pixels; a PNG segmentation needs its artifact.
    if (a.annotation_type === 'segmentation' && !('counts' in a.data) && !a.storage_path) {
      ctx.addIssue({ code: 'custom', path: ['storage_path'], message: 'a segmentation without RLE counts needs a storage_path' })
    }
    refineWellFormed({ data: a.data }, ctx)
  })
  .meta({ id: 'AnnotationInput' })

export type AnnotationInput = z.infer<typeof AnnotationInput>
