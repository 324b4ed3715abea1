import { describe, expect, it } from 'vitest'
import { countOutcomes, OUTCOME_STYLE, pairScenes, typeRows } from './compare-pairs'
import type { Annotation, ComparePair } from './types'

const ann = (id: string, class_name: string) => ({ id, class_name, annotation_type: 'bounding_box', confidence: 0.9, data: {} }) as unknown as Annotation
const pair = (outcome: ComparePair['outcome'], a_id: string | null, b_id: string | null): ComparePair => ({
  outcome,
  annotation_type: 'bounding_box',
  a_id,
  b_id,
  a_class: null,
  b_class: null,
  iou: null,
})

const A = new Map([
  ['a1', ann('a1', 'dog')],
  ['a2', ann('a2', 'cat')],
  ['a3', ann('a3', 'dog')],
])
const B = new Map([
  ['b1', ann('b1', 'wolf')],
  ['b2', ann('b2', 'cat')],
  ['b3', ann('b3', 'bird')],
])
const PAIRS = [pair('class_changed', 'a1', 'b1'), pair('matched', 'a2', 'b2'), pair('only_a', 'a3', null), pair('only_b', null, 'b3')]

describe('compare pairs', () => {
  it('draws each side of a pair in its outcome colour, B dashed', () => {
    const s = pairScenes(PAIRS, A, B)
    expect(s.a.map((e) => [e.annotation.id, e.color, !!e.dashed])).toEqual([
      ['a1', OUTCOME_STYLE.class_changed.color, false],
      ['a2', OUTCOME_STYLE.matched.color, false],
      ['a3', OUTCOME_STYLE.only_a.color, false],
    ])
    expect(s.b.map((e) => [e.annotation.id, e.color, !!e.dashed])).toEqual([
      ['b1', OUTCOME_STYLE.class_changed.color, true],
      ['b2', OUTCOME_STYLE.matched.color, true],
      ['b3', OUTCOME_STYLE.only_b.color, true],
    ])
    expect(s.missing).toBe(0)
  })

  it('gives every outcome its own colour', () => {
    expect(new Set(Object.values(OUTCOME_STYLE).map((s) => s.color)).size).toBe(4)
  })

  it('leaves out hidden outcomes and counts pairs whose annotations are missing', () => {
    const s = pairScenes([...PAIRS, pair('matched', 'a9', 'b2')], A, B, new Set(['matched']))
    expect(s.a.map((e) => e.annotation.id)).toEqual(['a2'])
    expect(s.b.map((e) => e.annotation.id)).toEqual(['b2', 'b2'])
    expect(s.missing).toBe(1)
  })

  it('tallies outcomes', () => {
    expect(countOutcomes(PAIRS)).toEqual({ matched: 1, only_a: 1, only_b: 1, class_changed: 1 })
  })

  it('orders types by disagreement, then name', () => {
    const t = (matched: number, only_a: number) => ({ matched, only_a, only_b: 0, class_changed: 0 })
    expect(typeRows({ polygon: t(5, 0), bounding_box: t(1, 3), mask: t(9, 0) }).map(([k]) => k)).toEqual(['bounding_box', 'mask', 'polygon'])
  })
})
