import { useMemo } from 'preact/hooks'
import { judgeObjects } from './evaluation-outcomes'
import { evaluationsApi } from './evaluations-api'
import type { Size } from './geometry'
import { groundTruthAnnotation } from './ground-truth-annotation'
import { buildScene, type SceneEntry } from './overlay-scene'
import { OUTCOME_STYLE, type Outcome } from './outcome-style'
import { useAsync } from './use-async'

/**
 * What the image page adds for an evaluation (`?evaluation=`) or the ground-truth toggle: the
 * image's judged objects at `minScore`, the outcome of each prediction for the prediction layer,
 * and the ground truth as a layer of its own, drawn by outcome (or plainly, with no evaluation).
 */
export function useEvaluationOverlay(evaluationId: string | null, imageId: string, showTruth: boolean, natural: Size, minScore: number) {
  const evaluation = useAsync((signal) => (evaluationId ? evaluationsApi.get(evaluationId, signal) : Promise.resolve(null)), [evaluationId])
  const ev = evaluation.data ?? null
  const completed = ev?.status === 'completed'
  const objects = useAsync(
    (signal) => (evaluationId && completed ? evaluationsApi.imageObjects(evaluationId, imageId, signal) : Promise.resolve(null)),
    [evaluationId, imageId, completed],
  )
  // The evaluation's own import, once it is known; without an evaluation, the project's latest.
  const importId = ev?.ground_truth.import_id ?? null
  const wantTruth = showTruth && (!evaluationId || (!!ev && importId !== null))
  const truth = useAsync((signal) => (wantTruth ? evaluationsApi.groundTruth(imageId, importId, signal) : Promise.resolve(null)), [wantTruth, imageId, importId])

  const judged = useMemo(() => (objects.data ? judgeObjects(objects.data.objects, minScore) : null), [objects.data, minScore])
  // Accepted predictions used as ground truth (`reviews`) are annotations too: they take their ground-truth outcome unless judged as detections.
  const predictionOutcomes = useMemo(() => (judged ? new Map<string, Outcome>([...judged.groundTruth, ...judged.detections]) : null), [judged])

  const truthScene = useMemo(() => {
    if (!showTruth || !truth.data) return null
    const importedAt = truth.data.import?.created_at ?? ''
    const entries: SceneEntry[] = []
    for (const o of truth.data.objects) {
      const annotation = groundTruthAnnotation(o, importedAt)
      if (!annotation) continue
      // Ground truth outside the evaluation (a class it left out) is shown, but as ignored.
      const outcome: Outcome = judged ? (judged.groundTruth.get(o.id) ?? 'ignored') : 'truth'
      entries.push({ annotation, color: OUTCOME_STYLE[outcome].color, outcome })
    }
    return buildScene(entries, natural, { labelsBelow: true })
  }, [showTruth, truth.data, judged, natural.width, natural.height])

  return {
    evaluation,
    objects,
    truth,
    judged,
    predictionOutcomes,
    truthScene,
  }
}
