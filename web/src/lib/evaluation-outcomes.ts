import { outcomeAtThreshold } from '../../../src/domain/evaluation/threshold'
import type { Evaluation, EvaluationObject } from './evaluations-api'
import { ItemKind, type Scene } from './overlay-scene'
import type { Outcome } from './outcome-style'
import type { Analysis } from './types'

/**
 * An image's evaluated objects as the overlay draws them: each object's outcome at a confidence
 * threshold, and which analysis on the image holds the judged detections.
 */

/** The outcome at `minScore`: the engine's own rule (docs/evaluation.md#live-threshold), which the server's `min_score` reads apply too. */
export const outcomeAt = (o: Pick<EvaluationObject, 'kind' | 'status' | 'score' | 'matched_score'>, minScore: number): Outcome | null => outcomeAtThreshold(o, minScore)

export interface JudgedObjects {
  /** By annotation id: the judged detections (and accepted predictions used as ground truth). */
  detections: Map<string, Outcome>
  /** By ground-truth object id. */
  groundTruth: Map<string, Outcome>
  counts: Record<'tp' | 'fp' | 'fn' | 'ignored', number>
}

/** TP is counted once per pair (by its detection), as the evaluation's own counts do. */
export function judgeObjects(objects: readonly EvaluationObject[], minScore: number): JudgedObjects {
  const detections = new Map<string, Outcome>()
  const groundTruth = new Map<string, Outcome>()
  const counts = { tp: 0, fp: 0, fn: 0, ignored: 0 }
  for (const o of objects) {
    const outcome = outcomeAt(o, minScore)
    if (outcome === null || outcome === 'truth') continue
    if (o.kind === 'detection') {
      detections.set(o.id, outcome)
      if (outcome !== 'fn') counts[outcome]++
    } else {
      groundTruth.set(o.id, outcome)
      if (outcome === 'fn') counts.fn++
      else if (outcome === 'ignored') counts.ignored++
    }
  }
  return { detections, groundTruth, counts }
}

/**
 * The analysis whose detections the evaluation judged on this image: the latest completed one of
 * the model version or group (docs/evaluation.md#api), newest by creation.
 */
export function evaluatedAnalysis(list: readonly Analysis[], p: Evaluation['predictions']): Analysis | null {
  const judged = list.filter(
    (a) => a.status === 'completed' && (p.group_id ? a.group_id === p.group_id : a.model_name === p.model_name && a.model_version === p.model_version),
  )
  return judged.reduce<Analysis | null>((best, a) => (!best || a.created_at > best.created_at ? a : best), null)
}

/** How many objects of each outcome a scene actually draws (those with geometry): what the legend's counts can be checked against. */
export function drawnOutcomes(scenes: readonly Pick<Scene, 'entries' | 'kinds'>[]): Partial<Record<Outcome, number>> {
  const drawn: Partial<Record<Outcome, number>> = {}
  for (const scene of scenes) {
    scene.entries.forEach((e, i) => {
      if (e.outcome && scene.kinds[i] !== ItemKind.None) drawn[e.outcome] = (drawn[e.outcome] ?? 0) + 1
    })
  }
  return drawn
}
