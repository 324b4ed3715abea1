import { describe, expect, it } from 'vitest'
import { pickDefaultAnalysis, replaceById, summarizeAnalyses } from './analysis-summary'

const summary = (over: Partial<Record<'queued' | 'processing' | 'completed' | 'failed' | 'canceled', number>>) => {
  const s = { queued: 0, processing: 0, completed: 0, failed: 0, canceled: 0, ...over }
  return { ...s, total: s.queued + s.processing + s.completed + s.failed + s.canceled }
}

describe('summarizeAnalyses', () => {
  it('says so when there are none', () => {
    expect(summarizeAnalyses(undefined).tone).toBeNull()
    expect(summarizeAnalyses(summary({})).text).toBe('No analyses')
  })

  it('puts running first, then failures, then completed work', () => {
    expect(summarizeAnalyses(summary({ processing: 1, failed: 2, completed: 3 }))).toMatchObject({ tone: 'processing', text: '1 running' })
    expect(summarizeAnalyses(summary({ failed: 2, completed: 3 }))).toMatchObject({ tone: 'failed', text: '2 failed' })
    expect(summarizeAnalyses(summary({ completed: 3 }))).toMatchObject({ tone: 'completed', text: '3 analyses' })
    expect(summarizeAnalyses(summary({ completed: 1, canceled: 1 })).title).toBe('2 analyses: 1 completed, 1 canceled')
  })
})

describe('pickDefaultAnalysis', () => {
  it('opens the newest analysis with annotations, then a running one, then the newest', () => {
    const failed = { id: 'f', status: 'failed' as const, annotation_count: 3 }
    const empty = { id: 'e', status: 'completed' as const, annotation_count: 0 }
    const full = { id: 'c', status: 'completed' as const, annotation_count: 5 }
    const queued = { id: 'q', status: 'queued' as const, annotation_count: 0 }
    expect(pickDefaultAnalysis([failed, empty, full])?.id).toBe('c')
    expect(pickDefaultAnalysis([empty, queued])?.id).toBe('q')
    expect(pickDefaultAnalysis([empty])?.id).toBe('e')
    expect(pickDefaultAnalysis([])).toBeNull()
  })

  it('replaces by id', () => {
    expect(replaceById([{ id: 'a', v: 1 }, { id: 'b', v: 1 }], { id: 'b', v: 2 })).toEqual([{ id: 'a', v: 1 }, { id: 'b', v: 2 }])
  })
})
