import type { AnnotationInput } from '@loupe/sdk'
import type { BodyPose, Box, ModelOutput, ObjectDetection, ProbabilityMap } from './detections'
import type { PipelineParameters } from './parameters'
import { skeletonFor } from './skeleton'

/** Box annotations, pose keypoints and the image-level classification, in that order. */
export function toAnnotations(output: ModelOutput, p: PipelineParameters): AnnotationInput[] {
  const size = { image_width: output.width, image_height: output.height }
  const boxes = [
    ...output.objects.filter((o) => o.score >= p.min_object_confidence).map((o) => ({ className: o.label, score: o.score, box: o.box })),
    ...output.faces.filter((f) => f.score >= p.min_face_confidence).map((f) => ({ className: 'face', score: f.score, box: f.box })),
  ].flatMap(({ className, score, box }): AnnotationInput[] => {
    const corners = clampBox(box, output.width, output.height)
    return corners ? [{ annotation_type: 'bounding_box', class_name: className, confidence: round(score), data: { ...corners, ...size } }] : []
  })
  const poses = output.bodies.filter((b) => b.score >= p.min_body_confidence).flatMap((b) => pose(b, p.min_keypoint_confidence))
  const classification = classify(output.objects, p.top_k)
  return [...boxes, ...poses, ...classification].map((a, ordering) => ({ ...a, ordering }))
}

/** The person mask and its probabilities as a heatmap, pointing at their uploaded PNGs. */
export function rasterAnnotations(map: ProbabilityMap, paths: { mask: string; heatmap: string }, meanProbability: number): AnnotationInput[] {
  const size = { width: map.width, height: map.height }
  return [
    { annotation_type: 'mask', class_name: 'person', confidence: round(meanProbability), data: size, storage_path: paths.mask },
    { annotation_type: 'heatmap', class_name: 'person', data: { ...size, color_map: 'viridis' }, storage_path: paths.heatmap },
  ]
}

/** A person box or a body pose above its threshold. */
export function personDetected(output: ModelOutput, p: PipelineParameters): boolean {
  return output.objects.some((o) => o.label === 'person' && o.score >= p.min_object_confidence) || output.bodies.some((b) => b.score >= p.min_body_confidence)
}

function pose(body: BodyPose, minConfidence: number): AnnotationInput[] {
  const keypoints = body.keypoints
    .filter((k) => k.score >= minConfidence)
    .map((k) => ({ name: k.name, x: round(k.x), y: round(k.y), confidence: round(k.score) }))
  if (!keypoints.length) return []
  const skeleton = skeletonFor(keypoints.map((k) => k.name))
  return [{ annotation_type: 'keypoint', class_name: 'person', confidence: round(body.score), data: { keypoints, skeleton } }]
}

/**
 * Which COCO classes the image shows, from the object detector's own scores: each class's best
 * detection, highest first. Human's detectors give no whole-image class vector, so this is the
 * honest top-k; every candidate counts, including those below the box threshold.
 */
function classify(objects: ObjectDetection[], topK: number): AnnotationInput[] {
  const best = new Map<string, number>()
  for (const o of objects) best.set(o.label, Math.max(o.score, best.get(o.label) ?? 0))
  const topk = [...best].sort((a, b) => b[1] - a[1]).slice(0, topK).map(([name, score]) => ({ class: name, confidence: round(score) }))
  if (!topk.length) return []
  return [{ annotation_type: 'classification', class_name: topk[0]!.class, confidence: topk[0]!.confidence, data: { topk, method: 'best detection score per class' } }]
}

/** Box [x, y, w, h] as corners inside the image, or null when nothing of it is inside. */
function clampBox([x, y, w, h]: Box, width: number, height: number) {
  const x_min = round(Math.max(0, x))
  const y_min = round(Math.max(0, y))
  const x_max = round(Math.min(width, x + w))
  const y_max = round(Math.min(height, y + h))
  return x_min < x_max && y_min < y_max ? { x_min, y_min, x_max, y_max } : null
}

/** Four decimals are more than any viewer shows, and keep the stored JSON short. */
const round = (v: number) => Math.round(v * 1e4) / 1e4
