import type { AnnotationType } from './types'

export const ANNOTATION_TYPE_LABELS: Record<AnnotationType, string> = {
  bounding_box: 'Boxes',
  classification: 'Classification',
  heatmap: 'Heatmaps',
  mask: 'Masks',
  segmentation: 'Segmentation',
  polygon: 'Polygons',
  keypoint: 'Keypoints',
  custom: 'Custom',
}
