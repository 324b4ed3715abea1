import { z } from 'zod'

/**
 * What every model adapter returns, in pixels of the original image (top-left origin). It is the
 * one contract between the adapters and the rest of the pipeline, and its JSON form (`wire.ts`)
 * is what the model server answers and the subprocess command prints.
 */

/** [x, y, width, height], as Human reports boxes. */
const Box = z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()])
const Score = z.number().min(0).max(1)

export const ObjectDetection = z.object({ label: z.string().min(1), score: Score, box: Box })
export const FaceDetection = z.object({ score: Score, box: Box })
export const BodyKeypoint = z.object({ name: z.string().min(1), x: z.number(), y: z.number(), score: Score })
export const BodyPose = z.object({ score: Score, box: Box, keypoints: z.array(BodyKeypoint) })

export const Detections = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Every candidate the object detector kept, above its own low floor; thresholds apply later. */
  objects: z.array(ObjectDetection),
  faces: z.array(FaceDetection),
  bodies: z.array(BodyPose),
  /** Which model file did what, e.g. `{ object: 'centernet' }`, for the logs. */
  models: z.record(z.string(), z.string()),
})

export type Box = z.infer<typeof Box>
export type ObjectDetection = z.infer<typeof ObjectDetection>
export type BodyPose = z.infer<typeof BodyPose>

/** Person probability per pixel as 0..255 (probability × 255), row-major. */
export interface ProbabilityMap {
  width: number
  height: number
  data: Uint8Array
}

export type ModelOutput = z.infer<typeof Detections> & { segmentation: ProbabilityMap | null }
