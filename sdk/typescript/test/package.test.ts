import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { TRANSITIONS } from '../../../durable-objects/transitions'
import { ARTIFACT_CONTENT_TYPES as SERVER_CONTENT_TYPES } from '../../../src/schemas/artifacts'
import { ARTIFACT_CONTENT_TYPES, TERMINAL_STATUSES, type Analysis, type AnnotationInput, type Finalize, type LiveMessage, type LoupeClient, type FinalStatus, type TerminalStatus } from '../src'

const SRC = join(import.meta.dirname, '..', 'src')

describe('the package', () => {
  it('uses no Node APIs outside the CLI, so it runs on Workers, Deno and Bun', () => {
    const runtime = readdirSync(SRC).filter((f) => f.endsWith('.ts') && f !== 'cli.ts')
    expect(runtime).toContain('client.ts')
    for (const file of runtime) {
      const text = readFileSync(join(SRC, file), 'utf8')
      expect(text, file).not.toMatch(/from ['"](node:|fs|path|crypto|http|https|url|util)['"/]/)
      expect(text, file).not.toMatch(/\b(process|Buffer|require)\b[.(]/)
      // Schemas are imported for their types only: zod never loads at runtime.
      const schemaImports = text.split('\n').filter((l) => /^import\b/.test(l) && /src\/schemas|'zod'/.test(l))
      for (const line of schemaImports) expect(line, file).toMatch(/^import type /)
    }
  })

  it('takes its types from the server schemas', () => {
    expectTypeOf<Analysis['status']>().toEqualTypeOf<'queued' | 'processing' | 'completed' | 'failed' | 'canceled'>()
    expectTypeOf<Extract<LiveMessage, { type: 'progress' }>['progress']>().toEqualTypeOf<number>()
    const box: AnnotationInput = { annotation_type: 'bounding_box', data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 } }
    // @ts-expect-error a bounding box needs coordinates
    const bad: AnnotationInput = { annotation_type: 'bounding_box', data: { width: 1 } }
    // @ts-expect-error not an annotation type
    const unknown: AnnotationInput = { annotation_type: 'sparkles', data: {} }
    expectTypeOf<Parameters<LoupeClient['createAnalysis']>[1]>().toHaveProperty('model_name')
    expect([box, bad, unknown]).toHaveLength(3)
    expectTypeOf<FinalStatus>().toEqualTypeOf<Finalize['status']>()
    expectTypeOf<TerminalStatus>().toEqualTypeOf<'completed' | 'failed' | 'canceled'>()
  })

  it("holds its statuses and content types to the server's", () => {
    const never = Object.entries(TRANSITIONS).filter(([, next]) => next.length === 0)
    expect([...TERMINAL_STATUSES].sort()).toEqual(never.map(([status]) => status).sort())
    expect(ARTIFACT_CONTENT_TYPES).toEqual(SERVER_CONTENT_TYPES)
  })
})
