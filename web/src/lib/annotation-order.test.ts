import { describe, expect, it } from 'vitest'
import { DEFAULT_SORT, nextAfterDecision, sortAnnotations, stepFrom, toggleSort } from './annotation-order'
import { annotationFixture } from './test-fixtures'

const a = annotationFixture({ class_name: 'person', confidence: 0.5, annotation_type: 'bounding_box', review_state: 'accepted', ordering: 2 })
const b = annotationFixture({ class_name: 'cup', confidence: 0.9, annotation_type: 'polygon', review_state: 'unreviewed', ordering: 1 })
const c = annotationFixture({ class_name: 'class10', confidence: null, annotation_type: 'classification', review_state: 'rejected' })
const d = annotationFixture({ class_name: 'class9', confidence: 0.5, annotation_type: 'bounding_box', ordering: 0 })
const ids = (xs: { id: string }[]) => xs.map((x) => x.id)

describe('sortAnnotations', () => {
  it('puts the most confident first by default, unscored last, ties by the pipeline’s ordering', () => {
    expect(ids(sortAnnotations([a, b, c, d], DEFAULT_SORT))).toEqual(ids([b, d, a, c]))
    expect(ids(sortAnnotations([a, b, c, d], { key: 'confidence', dir: 'asc' }))).toEqual(ids([d, a, b, c]))
  })

  it('sorts classes in natural order (class9 before class10)', () => {
    expect(ids(sortAnnotations([a, b, c, d], { key: 'class', dir: 'asc' }))).toEqual(ids([d, c, b, a]))
  })

  it('sorts by review state and by type', () => {
    expect(ids(sortAnnotations([a, b, c], { key: 'review', dir: 'asc' }))).toEqual(ids([b, a, c]))
    expect(sortAnnotations([a, b, c], { key: 'type', dir: 'asc' }).map((x) => x.annotation_type)).toEqual(['bounding_box', 'classification', 'polygon'])
  })

  it('flips a column on a second click and starts others ascending', () => {
    expect(toggleSort(DEFAULT_SORT, 'confidence')).toEqual({ key: 'confidence', dir: 'asc' })
    expect(toggleSort(DEFAULT_SORT, 'class')).toEqual({ key: 'class', dir: 'asc' })
  })
})

describe('stepping', () => {
  const order = [{ id: '1' }, { id: '2' }, { id: '3' }]

  it('steps and clamps; starts at either end from no selection', () => {
    expect(stepFrom(order, '1', 1)).toBe('2')
    expect(stepFrom(order, '3', 1)).toBe('3')
    expect(stepFrom(order, null, 1)).toBe('1')
    expect(stepFrom(order, null, -1)).toBe('3')
    expect(stepFrom([], null, 1)).toBeNull()
  })

  it('moves on after a decision, back from the last item, to nothing from the only one', () => {
    expect(nextAfterDecision(order, '2')).toBe('3')
    expect(nextAfterDecision(order, '3')).toBe('2')
    expect(nextAfterDecision([{ id: '1' }], '1')).toBeNull()
  })
})
