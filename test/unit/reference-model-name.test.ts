import { describe, expect, it } from 'vitest'
import { devServerUrl } from '../../pipelines/reference/src/dev-server-url'
import { allowedModelsOf, defaultModelName, modelNotAllowedMessage } from '../../pipelines/reference/src/model-name'

describe('the reference pipeline', () => {
  it('says which model names the server allows and what to type to use one', () => {
    const refused = { status: 400, code: 'model_not_allowed', details: { allowed_models: ['yolo_v8', 'custom_model'] } }
    const allowed = allowedModelsOf(refused)!
    expect(allowed).toEqual(['yolo_v8', 'custom_model'])
    const message = modelNotAllowedMessage(defaultModelName('human'), allowed, 'npm run demo')
    expect(message).toContain('"loupe-reference"')
    expect(message).toContain('yolo_v8, custom_model')
    expect(message).toContain('MODEL_NAME=yolo_v8 npm run demo')
    expect(message).toContain('add loupe-reference to ML_ALLOWED_MODELS')
    expect(allowedModelsOf({ code: 'validation_error' })).toBeUndefined()
    expect(allowedModelsOf(null)).toBeUndefined()
  })

  it("finds npm run dev's server by PORT, as npm run dev does, unless a URL is given", () => {
    expect(devServerUrl({})).toBe('http://127.0.0.1:8787')
    expect(devServerUrl({ PORT: '8813' })).toBe('http://127.0.0.1:8813')
    expect(devServerUrl({ PORT: '8813', API_BASE_URL: 'http://api' })).toBe('http://api')
    expect(devServerUrl({ PORT: '8813', API_BASE_URL: 'http://api', LOUPE_URL: 'http://loupe' })).toBe('http://loupe')
  })
})
