import { describe, expect, it } from 'vitest'
import { formatModelRef, modelRefChoices, parseModelRef } from './model-ref'

describe('model references', () => {
  it('splits at the last @, as the server does, so names may contain one', () => {
    expect(parseModelRef('yolo_v8@1.0.0')).toEqual({ model_name: 'yolo_v8', model_version: '1.0.0' })
    expect(parseModelRef('team@org/det@2')).toEqual({ model_name: 'team@org/det', model_version: '2' })
    expect(formatModelRef({ model_name: 'team@org/det', model_version: '2' })).toBe('team@org/det@2')
  })

  it('refuses what the server would refuse: no name, no version, nothing', () => {
    for (const bad of ['', '@1', 'det@', 'det', null, undefined]) expect(parseModelRef(bad), String(bad)).toBeNull()
  })

  it('offers registered and analysed versions once each, in natural order', () => {
    const choices = modelRefChoices(
      [
        { name: 'det', version: '10' },
        { name: 'det', version: '2' },
      ],
      [
        { model_name: 'det', model_version: '2' },
        { model_name: 'classifier', model_version: '1' },
      ],
    )
    expect(choices).toEqual(['classifier@1', 'det@2', 'det@10'])
  })
})
