import { OKABE_ITO, UNLABELLED_COLOR } from './palette'

/**
 * How an evaluated object is drawn: by its outcome, not its class. Colour, line and the word in its
 * label all say it, so no outcome depends on seeing colour alone. `truth` is ground truth shown
 * without an evaluation to judge it.
 */
export type Outcome = 'tp' | 'fp' | 'fn' | 'ignored' | 'truth'
export type LineStyle = 'solid' | 'dashed' | 'dotted'

export interface OutcomeStyle {
  color: string
  line: LineStyle
  /** Misses are outlines: a fill would hide the pixels the model should have found. */
  fill: boolean
  /** In labels and the legend. */
  label: string
}

// Okabe-Ito: bluish green, vermillion and orange stay apart under the common colour-vision deficiencies.
export const OUTCOME_STYLE: Record<Outcome, OutcomeStyle> = {
  tp: { color: OKABE_ITO[2], line: 'solid', fill: true, label: 'TP' },
  fp: { color: OKABE_ITO[5], line: 'dashed', fill: true, label: 'FP' },
  fn: { color: OKABE_ITO[0], line: 'dotted', fill: false, label: 'FN' },
  ignored: { color: UNLABELLED_COLOR, line: 'dotted', fill: false, label: 'ignored' },
  truth: { color: OKABE_ITO[1], line: 'dotted', fill: false, label: 'GT' },
}

/** Canvas dash patterns, in CSS pixels. */
export const LINE_DASH: Record<LineStyle, number[]> = { solid: [], dashed: [6, 4], dotted: [2, 3] }
