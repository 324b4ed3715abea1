/**
 * COCO-style evaluation, pure and storage-free: see docs/evaluation.md.
 */
export { evaluate, ALL_CLASSES, type Evaluation, type EvaluationSummary } from './evaluate'
export { type EvaluationInput, type GroundTruthColumns, type DetectionColumns, ColumnsBuilder } from './columns'
export { cocoEvaluationInput, type CocoDataset, type CocoAnnotation, type CocoEvaluationInput } from './coco-input'
export { type EvaluationOptions, type IouType, type AreaRange, COCO_KEYPOINT_SIGMAS, BOX_AREA_RANGES, KEYPOINT_AREA_RANGES } from './params'
export { DETECTION_STAT_NAMES, KEYPOINT_STAT_NAMES, type PerClassMetrics, type PrCurve } from './summarize'
export { type ConfusionMatrix } from './confusion'
export * from './objects'
export { type Rle, rleFromString, rleFromCounts, rleToString, rleArea } from './rle'
export { segmentationToRle, type CocoSegmentation } from './segmentation'
export { thresholdIndex, metricsAtThreshold, thresholdMatchesFromOutcomes, thresholdMatchesFromRows, type ThresholdIndex, type ThresholdMatches, type ThresholdMetrics } from './threshold'
export { topKAccuracy, type ClassificationSample, type TopKAccuracy } from './classification'
