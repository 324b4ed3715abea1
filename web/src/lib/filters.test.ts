import { describe, expect, it } from 'vitest'
import { classCounts, DEFAULT_FILTERS, isVisible, matchesQuery, NO_CLASS, reviewCounts, type OverlayFilters } from './filters'
import { annotationFixture } from './test-fixtures'

const f = (over: Partial<OverlayFilters>): OverlayFilters => ({ ...DEFAULT_FILTERS, ...over })

describe('filters', () => {
  const low = annotationFixture({ class_name: 'cat', confidence: 0.2 })
  const high = annotationFixture({ class_name: 'cat', confidence: 0.9, review_state: 'accepted' })
  const none = annotationFixture({ class_name: null, confidence: null, annotation_type: 'custom' })

  it('hides what falls below the threshold but never what has no confidence', () => {
    expect(isVisible(low, f({ threshold: 0.5 }))).toBe(false)
    expect(isVisible(high, f({ threshold: 0.5 }))).toBe(true)
    expect(isVisible(none, f({ threshold: 0.99 }))).toBe(true)
  })

  it('filters by type, class and review state', () => {
    expect(isVisible(none, f({ hiddenTypes: new Set(['custom']) }))).toBe(false)
    expect(isVisible(high, f({ hiddenClasses: new Set(['cat']) }))).toBe(false)
    expect(isVisible(none, f({ hiddenClasses: new Set([NO_CLASS]) }))).toBe(false)
    expect(isVisible(low, f({ review: 'accepted' }))).toBe(false)
    expect(isVisible(high, f({ review: 'accepted' }))).toBe(true)
  })

  it('counts classes with what the other filters leave visible', () => {
    expect(classCounts([low, high, none], f({ threshold: 0.5 }))).toEqual([
      { name: 'cat', visible: 1, total: 2 },
      { name: NO_CLASS, visible: 1, total: 1 },
    ])
  })

  it('counts review states', () => {
    expect(reviewCounts([low, high, none])).toEqual({ accepted: 1, rejected: 0, unreviewed: 2, total: 3 })
  })
})

describe('search', () => {
  it('matches part of a class name or the type, any case, every word', () => {
    const a = annotationFixture({ class_name: 'Traffic Light', annotation_type: 'bounding_box' })
    expect(matchesQuery(a, 'light')).toBe(true)
    expect(matchesQuery(a, 'TRAF box')).toBe(true)
    expect(matchesQuery(a, 'traffic polygon')).toBe(false)
    expect(matchesQuery(a, '  ')).toBe(true)
    expect(isVisible(a, f({ query: 'dog' }))).toBe(false)
  })
})
