import { z } from 'zod'

export const ANALYSIS_EXPORT_FORMATS = ['json', 'csv', 'coco', 'yolo'] as const
export type AnalysisExportFormat = (typeof ANALYSIS_EXPORT_FORMATS)[number]
export const COCO_VARIANTS = ['dataset', 'results'] as const
export type CocoVariant = (typeof COCO_VARIANTS)[number]

export const AnalysisExportQuery = z
  .object({
    format: z.enum(ANALYSIS_EXPORT_FORMATS).default('json'),
    variant: z
      .enum(COCO_VARIANTS)
      .optional()
      .meta({ description: 'COCO only: `dataset` (default; info, images, categories, annotations) or `results` (the detection results array)' }),
  })
  .refine((q) => !q.variant || q.format === 'coco', { path: ['variant'], message: 'variant applies to format=coco only' })

export const ProjectExportQuery = z.object({
  format: z.enum(['coco', 'yolo']).default('coco'),
  model: z.string().trim().min(1).max(200).optional().meta({ description: 'Use each image’s latest completed analysis by this model; any model when left out' }),
  review: z.enum(['accepted', 'any']).default('any').meta({ description: '`accepted`: only annotations a reviewer accepted' }),
})
export type ProjectExportQuery = z.infer<typeof ProjectExportQuery>

/** A streamed file download; the OpenAPI document describes it as binary. */
export const downloadResponse = (description: string, contentTypes: string[]) => ({
  description,
  headers: z.object({
    'Content-Disposition': z.string().meta({ example: 'attachment; filename="analysis_yolo_v8_20250115T103000Z_7c9e6679.json"' }),
  }),
  content: Object.fromEntries(contentTypes.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }])),
})
