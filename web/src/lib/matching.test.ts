import { describe, expect, it } from 'vitest'
import type { Box } from './geometry'
import { iou, matchBoxes, type MatchCandidate } from './matching'

const c = (box: Box, className: string | null = 'person', confidence: number | null = 0.9): MatchCandidate => ({ box, className, confidence })

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or touching ones', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1)
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0)
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0)
  })

  it('is intersection over union', () => {
    // Two 10×10 boxes overlapping by half: 50 / 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3)
    // A box inside another: 25 / 100.
    expect(iou([0, 0, 10, 10], [0, 0, 5, 5])).toBeCloseTo(0.25)
  })
})

describe('matchBoxes', () => {
  it('pairs boxes of the same class at or above the threshold', () => {
    const r = matchBoxes([c([0, 0, 10, 10])], [c([0, 0, 10, 10])], 0.5)
    expect(r.pairs).toEqual([[0, 0, 1]])
    expect(r.onlyA).toEqual([])
    expect(r.onlyB).toEqual([])
  })

  it('never pairs different classes, however well they overlap', () => {
    const r = matchBoxes([c([0, 0, 10, 10], 'cat')], [c([0, 0, 10, 10], 'dog')], 0.5)
    expect(r.pairs).toEqual([])
    expect(r.onlyA).toEqual([0])
    expect(r.onlyB).toEqual([0])
  })

  it('treats the threshold as inclusive', () => {
    const third: [Box, Box] = [[0, 0, 10, 10], [5, 0, 15, 10]]
    expect(matchBoxes([c(third[0])], [c(third[1])], 1 / 3).pairs).toHaveLength(1)
    expect(matchBoxes([c(third[0])], [c(third[1])], 0.34).pairs).toHaveLength(0)
  })

  it('lets the more confident A box choose first', () => {
    // Both A boxes overlap the single B box; the confident one gets it even though it is listed second.
    const a = [c([0, 0, 10, 10], 'person', 0.3), c([1, 0, 11, 10], 'person', 0.95)]
    const r = matchBoxes(a, [c([0, 0, 10, 10])], 0.5)
    expect(r.pairs.map(([i, j]) => [i, j])).toEqual([[1, 0]])
    expect(r.onlyA).toEqual([0])
  })

  it('gives each A box the B box it overlaps most, and uses each B box once', () => {
    const a = [c([0, 0, 10, 10], 'person', 0.9), c([100, 100, 110, 110], 'person', 0.8)]
    const b = [c([2, 0, 12, 10]), c([0, 0, 10, 10]), c([100, 100, 110, 111])]
    const r = matchBoxes(a, b, 0.5)
    expect(r.pairs.map(([i, j]) => [i, j])).toEqual([
      [0, 1],
      [1, 2],
    ])
    expect(r.onlyB).toEqual([0])
    expect(Array.from(r.matchOfB)).toEqual([-1, 0, 1])
  })

  it('counts every box exactly once across matched, only-A and only-B', () => {
    const a = Array.from({ length: 50 }, (_, i) => c([i * 20, 0, i * 20 + 15, 15], i % 3 ? 'a' : 'b', (i % 7) / 7))
    const b = Array.from({ length: 40 }, (_, i) => c([i * 20 + 2, 1, i * 20 + 16, 15], i % 3 ? 'a' : 'b', (i % 5) / 5))
    const r = matchBoxes(a, b, 0.5)
    expect(r.pairs.length + r.onlyA.length).toBe(a.length)
    expect(r.pairs.length + r.onlyB.length).toBe(b.length)
    expect(r.pairs.length).toBe(40)
  })
})
