import { invalidEvaluationInput } from './input-error'

/**
 * Top-k classification accuracy against ground-truth labels, overall and per true class.
 * See docs/evaluation.md#top-k-classification.
 */

export interface ClassificationSample {
  /** The true class; a sample without one is not labelled yet and is left out. */
  label: string | null | undefined
  predictions: readonly { label: string; score: number }[]
}

export interface TopKAccuracy {
  k: number[]
  /** Labelled samples counted. */
  count: number
  /** Accuracy at each k (aligned with `k`), null when no sample is labelled. */
  accuracy: (number | null)[]
  /** The mean of the per-class accuracies, so that rare classes weigh as much as common ones. */
  mean_class_accuracy: (number | null)[]
  per_class: { class_name: string; count: number; accuracy: number[] }[]
}

/**
 * Where the true label ranks among the predictions: 0 for the top one, -1 if absent. Predictions go
 * by score, highest first, ties in the order given (a stable sort); a class predicted twice counts
 * at its better rank only, so it cannot push the true label out of the top k.
 */
function rankOf(sample: ClassificationSample): number {
  const order = sample.predictions.map((p, i) => i).sort((a, b) => sample.predictions[b]!.score - sample.predictions[a]!.score || a - b)
  const seen = new Set<string>()
  for (const i of order) {
    const label = sample.predictions[i]!.label
    if (seen.has(label)) continue
    if (label === sample.label) return seen.size
    seen.add(label)
  }
  return -1
}

export function topKAccuracy(samples: Iterable<ClassificationSample>, ks: readonly number[] = [1, 5]): TopKAccuracy {
  if (ks.length === 0 || !ks.every((k) => Number.isInteger(k) && k > 0)) throw invalidEvaluationInput('k must be a non-empty list of positive integers')
  const hits = new Array<number>(ks.length).fill(0)
  const perClass = new Map<string, { count: number; hits: number[] }>()
  let count = 0
  for (const sample of samples) {
    if (sample.label === null || sample.label === undefined) continue
    if (!sample.predictions.every((p) => Number.isFinite(p.score))) throw invalidEvaluationInput('every prediction needs a finite score')
    const rank = rankOf(sample)
    let entry = perClass.get(sample.label)
    if (!entry) perClass.set(sample.label, (entry = { count: 0, hits: new Array<number>(ks.length).fill(0) }))
    count++
    entry.count++
    ks.forEach((k, j) => {
      if (rank >= 0 && rank < k) {
        hits[j]!++
        entry.hits[j]!++
      }
    })
  }
  const per_class = [...perClass.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([class_name, e]) => ({ class_name, count: e.count, accuracy: e.hits.map((h) => h / e.count) }))
  return {
    k: [...ks],
    count,
    accuracy: hits.map((h) => (count ? h / count : null)),
    mean_class_accuracy: ks.map((_, j) => (per_class.length ? per_class.reduce((s, c) => s + c.accuracy[j]!, 0) / per_class.length : null)),
    per_class,
  }
}
