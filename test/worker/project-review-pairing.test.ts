/** The pairing of two versions' objects on one image, by hand-made cases (pure; run in workerd with the rest of the domain). */
import { describe, expect, it } from 'vitest'
import { pairImage, type CompareObject } from '../../src/domain/project-review/pairing'

let n = 0
const box = (class_name: string | null, confidence: number | null, x: number, w = 100): CompareObject => ({
  id: `o${++n}`,
  annotation_type: 'bounding_box',
  class_name,
  confidence,
  data: { x_min: x, y_min: 0, x_max: x + w, y_max: 100 },
})
const image = { width: 1000, height: 1000 }
const outcomes = (pairs: ReturnType<typeof pairImage>) => pairs.map((p) => [p.outcome, p.a_class, p.b_class])

describe('pairImage', () => {
  it('pairs within a class before across classes, so a better same-class match is not stolen', async () => {
    // B's wolf (more confident) overlaps A's dog best, but A also has a wolf there: the wolves pair.
    const a = [box('dog', 0.9, 0), box('wolf', 0.5, 10)]
    const b = [box('wolf', 0.95, 2)]
    expect(outcomes(pairImage(image, a, b, 0.5))).toEqual([
      ['matched', 'wolf', 'wolf'],
      ['only_a', 'dog', null],
    ])
  })

  it('gives the more confident B object its pick, and a class change only at the threshold', () => {
    const a = [box('cat', 0.5, 0)]
    const b = [box('dog', 0.4, 0), box('fox', 0.8, 5)]
    const pairs = pairImage(image, a, b, 0.5)
    expect(outcomes(pairs)).toEqual([
      ['class_changed', 'cat', 'fox'],
      ['only_b', null, 'dog'],
    ])
    expect(pairs[0]!.iou).toBeCloseTo(95 / 105, 12)
    expect(outcomes(pairImage(image, a, [box('fox', 0.8, 50)], 0.5))).toEqual([
      ['only_a', 'cat', null],
      ['only_b', null, 'fox'],
    ])
  })

  it('ranks a prediction without confidence as certain and keeps posted order among equals', () => {
    const a = [box('car', null, 0)]
    const b = [box('car', 0.99, 0), box('car', null, 0)]
    const pairs = pairImage(image, a, b, 0.5)
    expect(pairs.find((p) => p.outcome === 'matched')!.b_id).toBe(b[1]!.id)
  })

  it('leaves out geometry it cannot read, and compares labels by their top class', () => {
    const unreadable: CompareObject = { id: 'seg', annotation_type: 'segmentation', class_name: 'road', confidence: 0.9, data: { storage_path: 'masks/road.png' } }
    const label = (class_name: string, confidence: number, id: string): CompareObject => ({ id, annotation_type: 'classification', class_name, confidence, data: {} })
    const pairs = pairImage(image, [unreadable, label('beach', 0.4, 'a1'), label('coast', 0.7, 'a2')], [label('coast', 0.6, 'b1')], 0.5)
    expect(pairs).toEqual([{ outcome: 'matched', annotation_type: 'classification', a_id: 'a2', b_id: 'b1', a_class: 'coast', b_class: 'coast', iou: null }])
    expect(outcomes(pairImage(image, [], [label('coast', 0.6, 'b1')], 0.5))).toEqual([['only_b', null, 'coast']])
  })
})
