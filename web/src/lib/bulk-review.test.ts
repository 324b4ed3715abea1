import { describe, expect, it } from 'vitest'
import { bulkRequest, canUndoBatch, describeBatch } from './bulk-review'

const model = { model_name: 'det', model_version: '2' }

describe('bulk review', () => {
  it('leaves "every class" and "every type" to the server', () => {
    expect(bulkRequest(model, { className: '  ', types: [], minConfidence: 0.8 })).toEqual({ model_name: 'det', model_version: '2', min_confidence: 0.8 })
  })

  it('sends one class and the chosen types', () => {
    expect(bulkRequest(model, { className: ' dog ', types: ['bounding_box', 'mask'], minConfidence: 0.5 })).toEqual({
      model_name: 'det',
      model_version: '2',
      min_confidence: 0.5,
      class_name: 'dog',
      annotation_types: ['bounding_box', 'mask'],
    })
  })

  it('keeps the threshold within what the schema accepts', () => {
    expect(bulkRequest(model, { className: '', types: [], minConfidence: 1.4 }).min_confidence).toBe(1)
    expect(bulkRequest(model, { className: '', types: [], minConfidence: -0.1 }).min_confidence).toBe(0)
  })

  it('describes a batch in one line', () => {
    expect(describeBatch({ model_name: 'det', model_version: '2', min_confidence: 0.8, class_name: 'dog', annotation_types: ['bounding_box'], include_reviewed: false })).toBe('det@2 · dog · Boxes · ≥ 0.80')
    expect(describeBatch({ model_name: 'det', model_version: '2', min_confidence: 0.5, include_reviewed: false })).toBe('det@2 · every class · every type · ≥ 0.50')
  })

  it('offers undo only for a batch not yet undone', () => {
    expect(canUndoBatch({ undone_at: null })).toBe(true)
    expect(canUndoBatch({ undone_at: '2026-01-01T00:00:00.000Z' })).toBe(false)
  })
})
