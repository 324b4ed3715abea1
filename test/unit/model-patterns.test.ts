import { describe, expect, it } from 'vitest'
import { servesModel } from '../../src/pipeline/model-patterns'

describe('model patterns', () => {
  it('matches patterns holding regular-expression punctuation literally: - . / + ( ) $', () => {
    expect(servesModel(['e2e-*'], 'e2e-ts')).toBe(true)
    expect(servesModel(['yolo.v8'], 'yolo.v8')).toBe(true)
    expect(servesModel(['yolo.v8'], 'yoloxv8')).toBe(false)
    expect(servesModel(['org/model+(x)$'], 'org/model+(x)$')).toBe(true)
  })

  it('reads * as any run and ? as one character, as GLOB does', () => {
    expect(servesModel(['det-?'], 'det-a')).toBe(true)
    expect(servesModel(['det-?'], 'det-ab')).toBe(false)
    expect(servesModel(['*'], '')).toBe(true)
  })
})
