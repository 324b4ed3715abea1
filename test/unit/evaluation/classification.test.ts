import { describe, expect, it } from 'vitest'
import { topKAccuracy } from '../../../src/domain/evaluation/classification'

const p = (...pairs: [string, number][]) => pairs.map(([label, score]) => ({ label, score }))

describe('top-k accuracy', () => {
  const samples = [
    { label: 'cat', predictions: p(['cat', 0.9], ['dog', 0.1]) }, // rank 1
    { label: 'dog', predictions: p(['cat', 0.6], ['dog', 0.4]) }, // rank 2
    { label: 'dog', predictions: p(['cat', 0.5], ['bird', 0.3], ['fish', 0.1], ['cow', 0.05], ['horse', 0.04], ['dog', 0.01]) }, // rank 6
    { label: null, predictions: p(['cat', 0.9]) }, // not labelled: left out
    { label: 'bird', predictions: [] }, // nothing predicted: a miss at every k
    { label: 'dog', predictions: p(['cat', 0.5], ['dog', 0.5]) }, // a tie: the order given decides, rank 2
    { label: 'dog', predictions: p(['cat', 0.9], ['cat', 0.8], ['dog', 0.7]) }, // cat twice counts once: rank 2
  ]

  it('counts a hit at k when the true class is among the k best-scored distinct classes', () => {
    const r = topKAccuracy(samples)
    expect(r.k).toEqual([1, 5])
    expect(r.count).toBe(6)
    expect(r.accuracy).toEqual([1 / 6, 4 / 6])
  })

  it('reports each true class, and the mean over classes', () => {
    const r = topKAccuracy(samples)
    expect(r.per_class).toEqual([
      { class_name: 'bird', count: 1, accuracy: [0, 0] },
      { class_name: 'cat', count: 1, accuracy: [1, 1] },
      { class_name: 'dog', count: 4, accuracy: [0, 3 / 4] },
    ])
    expect(r.mean_class_accuracy).toEqual([1 / 3, (0 + 1 + 3 / 4) / 3])
  })

  it('takes any k, and has nothing to say about no labelled sample', () => {
    expect(topKAccuracy(samples, [2]).accuracy).toEqual([4 / 6])
    expect(topKAccuracy([{ label: null, predictions: [] }]).accuracy).toEqual([null, null])
    expect(() => topKAccuracy(samples, [0])).toThrow(expect.objectContaining({ status: 400 }))
  })
})
