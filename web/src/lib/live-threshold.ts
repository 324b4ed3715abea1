/**
 * The live confidence threshold: the engine's own functions, not a copy of them. threshold.ts and
 * match-index.ts are pure TypeScript whose only value imports are zod-free constants and a sort,
 * so they bundle into the viewer as they run in the Worker (test/unit/viewer-bundle.test.ts
 * checks that no zod comes with them). See docs/evaluation.md#live-threshold.
 */
import { decodeMatchIndex } from '../../../src/domain/evaluation/match-index'
import type { ThresholdIndex } from '../../../src/domain/evaluation/threshold'
import type { MatchIndex } from './evaluations-api'

export { metricsAtThreshold } from '../../../src/domain/evaluation/threshold'
export type { CountsAt, ThresholdIndex, ThresholdMetrics } from '../../../src/domain/evaluation/threshold'

/** The index as fetched, rebuilt once; every slider step after that is `metricsAtThreshold` alone. */
export const thresholdIndexOf = (m: MatchIndex): ThresholdIndex => decodeMatchIndex(m)

