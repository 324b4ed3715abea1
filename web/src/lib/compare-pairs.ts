import { MATCH_COLORS, OKABE_ITO } from './palette'
import type { SceneEntry } from './overlay-scene'
import type { Annotation, CompareOutcome, ComparePair, CompareTally } from './types'

/** The outcomes in the order the page lists them. */
export const OUTCOMES: readonly CompareOutcome[] = ['matched', 'class_changed', 'only_a', 'only_b']

/**
 * How each outcome looks: the compare page's colours, plus vermilion for a class change, all
 * Okabe-Ito so they stay apart under colour-vision deficiencies. B is dashed, as on that page.
 */
export const OUTCOME_STYLE: Record<CompareOutcome, { color: string; label: string }> = {
  matched: { color: MATCH_COLORS.matched, label: 'Matched' },
  class_changed: { color: OKABE_ITO[5], label: 'Class changed' },
  only_a: { color: MATCH_COLORS.onlyA, label: 'Only in A' },
  only_b: { color: MATCH_COLORS.onlyB, label: 'Only in B' },
}

export interface PairScenes {
  a: SceneEntry[]
  b: SceneEntry[]
  /** Pairs naming an annotation that is not (or not yet) loaded. */
  missing: number
}

/**
 * The server's pairs of one image as scene entries for each side, coloured by outcome. The pairing
 * is the server's (the same one its totals count), so the viewer draws it rather than matching again.
 */
export function pairScenes(
  pairs: readonly ComparePair[],
  a: ReadonlyMap<string, Annotation>,
  b: ReadonlyMap<string, Annotation>,
  shown: ReadonlySet<CompareOutcome> = new Set(OUTCOMES),
): PairScenes {
  const out: PairScenes = { a: [], b: [], missing: 0 }
  for (const pair of pairs) {
    if (!shown.has(pair.outcome)) continue
    const color = OUTCOME_STYLE[pair.outcome].color
    const left = pair.a_id ? a.get(pair.a_id) : undefined
    const right = pair.b_id ? b.get(pair.b_id) : undefined
    if ((pair.a_id && !left) || (pair.b_id && !right)) out.missing++
    if (left) out.a.push({ annotation: left, color })
    if (right) out.b.push({ annotation: right, color, dashed: true })
  }
  return out
}

export function countOutcomes(pairs: readonly ComparePair[]): CompareTally {
  const tally: CompareTally = { matched: 0, only_a: 0, only_b: 0, class_changed: 0 }
  for (const p of pairs) tally[p.outcome]++
  return tally
}

/** By-type rows with the most disagreement first, then by name, so the table reads the same each time. */
export function typeRows(byType: Readonly<Record<string, CompareTally>>): [string, CompareTally][] {
  const disagreement = (t: CompareTally) => t.only_a + t.only_b + t.class_changed
  return Object.entries(byType).sort(([x, s], [y, t]) => disagreement(t) - disagreement(s) || x.localeCompare(y))
}
