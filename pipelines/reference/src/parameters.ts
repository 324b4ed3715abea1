/**
 * What turns the models' candidates into annotations. Stored as the analysis' `parameters`, so a
 * result in the viewer says which thresholds made it.
 */
export interface PipelineParameters {
  /** Object boxes below this are left out (they still count towards the classification). */
  min_object_confidence: number
  min_face_confidence: number
  min_body_confidence: number
  min_keypoint_confidence: number
  /** A pixel belongs to the person mask at this probability or above. */
  mask_threshold: number
  /** How many classes the image-level classification lists. */
  top_k: number
}

export const DEFAULT_PARAMETERS: PipelineParameters = {
  min_object_confidence: 0.3,
  min_face_confidence: 0.5,
  min_body_confidence: 0.3,
  min_keypoint_confidence: 0.3,
  mask_threshold: 0.5,
  top_k: 5,
}
