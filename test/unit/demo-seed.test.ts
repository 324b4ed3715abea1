import { describe, expect, it } from 'vitest'
import { LoupeError } from '../../sdk/typescript/src/errors'
import { allowedModelsOf, DEMO_MODELS, demoModelsFor } from '../../src/cli/demo-seed'

describe("the demo seed under a server's ML_ALLOWED_MODELS", () => {
  it('keeps the allowed models and seeds the others as allowed names the demo does not use', () => {
    const { plan, notes } = demoModelsFor(['yolo_v8', 'resnet50_classifier', 'custom_model'])
    expect(plan).toEqual([
      { name: 'yolo_v8', version: '1.0.0' },
      { name: 'resnet50_classifier', version: '2.1.0' },
    ])
    expect(notes).toEqual(['detr_resnet50 is not in ML_ALLOWED_MODELS; its demo runs are seeded as resnet50_classifier'])
  })

  it('skips a model, and says so, when no allowed name is left for it', () => {
    const { plan, notes } = demoModelsFor(['yolo_v8'])
    expect(plan).toEqual([DEMO_MODELS[0], null])
    expect(notes).toEqual(['detr_resnet50 is not in ML_ALLOWED_MODELS and no other allowed name is left; its demo runs are skipped'])
  })

  it('changes nothing when every demo model is allowed', () => {
    expect(demoModelsFor(['detr_resnet50', 'yolo_v8', 'other'])).toEqual({ plan: DEMO_MODELS, notes: [] })
  })

  it('reads the allowed names from a 400 model_not_allowed, and from nothing else', () => {
    const refused = new LoupeError({ status: 400, code: 'model_not_allowed', message: 'no', details: { allowed_models: ['yolo_v8'] } })
    expect(allowedModelsOf(refused)).toEqual(['yolo_v8'])
    expect(allowedModelsOf(new LoupeError({ status: 400, code: 'validation_error', message: 'no', details: { allowed_models: ['x'] } }))).toBeUndefined()
    expect(allowedModelsOf(new Error('model_not_allowed'))).toBeUndefined()
  })
})
