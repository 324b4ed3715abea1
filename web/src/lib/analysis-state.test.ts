import { describe, expect, it } from 'vitest'
import { analysisReducer, initialAnalysisState, MAX_LOG_LINES, type AnalysisState } from './analysis-state'
import { analysisFixture, annotationFixture } from './test-fixtures'
import type { LiveMessage, LogLine } from './types'

const at = '2025-01-15T10:31:00.000Z'
const line = (message: string): LogLine => ({ ts: at, level: 'info', message, stage: null })

function live(state: AnalysisState, ...messages: LiveMessage[]) {
  return messages.reduce((s, message) => analysisReducer(s, { type: 'live', message }), state)
}

describe('analysisReducer', () => {
  const analysis = analysisFixture({ annotation_count: 0 })
  const start = () => initialAnalysisState(analysis)
  const snapshot = (seq: number, reset = false): LiveMessage => ({ type: 'snapshot', seq, reset, analysis, stages: [], logs: [] })

  it('applies annotation events and keeps the server count', () => {
    const a = annotationFixture()
    const s = live(start(), snapshot(3), { type: 'annotations', seq: 4, at, annotations: [a], replace: false, annotation_count: 1 })
    expect(s.annotations.list).toEqual([a])
    expect(s.analysis?.annotation_count).toBe(1)
    expect(s.lastSeq).toBe(4)
  })

  it('ignores events replayed after a reconnect', () => {
    const s = live(start(), snapshot(3), { type: 'log', seq: 4, at, lines: [line('one')] }, { type: 'log', seq: 4, at, lines: [line('one')] }, { type: 'log', seq: 5, at, lines: [line('two')] })
    expect(s.logs.map((l) => l.message)).toEqual(['one', 'two'])
  })

  it('does not duplicate an annotation that came both from a page and from the stream', () => {
    const a = annotationFixture()
    let s = live(start(), snapshot(1), { type: 'annotations', seq: 2, at, annotations: [a], replace: false, annotation_count: 1 })
    s = analysisReducer(s, { type: 'page', generation: s.generation, annotations: [a], done: true })
    expect(s.annotations.list).toHaveLength(1)
    expect(s.loading).toBe(false)
  })

  it('drops the set on replace and starts the listing over if pages are in flight', () => {
    const old = annotationFixture()
    const fresh = annotationFixture()
    let s = analysisReducer(start(), { type: 'page', generation: 0, annotations: [old], done: false })
    s = live(s, snapshot(1), { type: 'annotations', seq: 2, at, annotations: [fresh], replace: true, annotation_count: 1 })
    expect(s.annotations.list).toEqual([fresh])
    expect(s.generation).toBe(1)
    // A page of the old listing arriving late is discarded.
    expect(analysisReducer(s, { type: 'page', generation: 0, annotations: [old], done: true })).toBe(s)
  })

  it('refetches from scratch when the snapshot says history was lost', () => {
    let s = analysisReducer(start(), { type: 'page', generation: 0, annotations: [annotationFixture()], done: true })
    s = live(s, snapshot(40, true))
    expect(s.annotations.list).toHaveLength(0)
    expect(s.generation).toBe(1)
    expect(s.loading).toBe(true)
    expect(s.lastSeq).toBe(40)
  })

  it('updates status, progress and stage', () => {
    const done = { ...analysis, status: 'completed' as const, progress: 1 }
    let s = live(start(), snapshot(1), { type: 'progress', seq: 2, at, progress: 0.4, stage: 'inference', stages: [], message: 'batch 2 of 5' })
    expect(s.analysis?.progress).toBe(0.4)
    expect(s.analysis?.stage).toBe('inference')
    expect(s.progressMessage).toBe('batch 2 of 5')
    s = live(s, { type: 'finalized', seq: 3, at, analysis: done, stages: [] })
    expect(s.analysis?.status).toBe('completed')
  })

  it('keeps only the newest log lines', () => {
    const lines = Array.from({ length: MAX_LOG_LINES + 10 }, (_, i) => line(String(i)))
    const s = live(start(), snapshot(1), { type: 'log', seq: 2, at, lines })
    expect(s.logs).toHaveLength(MAX_LOG_LINES)
    expect(s.logs[0]?.message).toBe('10')
  })

  it('starts a new generation for a new analysis so old pages cannot land in it', () => {
    const s = analysisReducer(start(), { type: 'select', analysis: analysisFixture() })
    expect(s.generation).toBe(1)
    expect(analysisReducer(s, { type: 'page', generation: 0, annotations: [annotationFixture()], done: true })).toBe(s)
  })

  it('resync keeps what is shown while listing again', () => {
    let s = analysisReducer(start(), { type: 'page', generation: 0, annotations: [annotationFixture()], done: true })
    s = analysisReducer(s, { type: 'resync' })
    expect(s.annotations.list).toHaveLength(1)
    expect(s.loading).toBe(true)
    expect(s.generation).toBe(1)
  })
})

describe('stages and reviews from the live stream', () => {
  const stage = (name: string, started_at: string, ended_at: string | null = null) => ({ name, started_at, ended_at, duration_ms: ended_at ? Date.parse(ended_at) - Date.parse(started_at) : null })
  const running = analysisFixture({ status: 'processing' })
  const base = () =>
    live(initialAnalysisState(running), { type: 'snapshot', seq: 1, reset: false, analysis: running, stages: [stage('inference', '2025-01-15T10:30:00.000Z')], logs: [] })

  it('takes the stages the server sends with status and finalized', () => {
    const done = { ...running, status: 'completed' as const }
    const sent = [stage('inference', '2025-01-15T10:30:00.000Z', '2025-01-15T10:30:01.500Z')]
    const s = live(base(), { type: 'finalized', seq: 2, at, analysis: done, stages: sent })
    expect(s.stages).toEqual(sent)
  })

  it('leaves stages open while the run goes on', () => {
    const s = live(base(), { type: 'status', seq: 2, at, analysis: { ...running, progress: 0.5 }, stages: base().stages })
    expect(s.stages[0]!.ended_at).toBeNull()
  })

  it('applies another reviewer’s decisions', () => {
    const a = annotationFixture()
    let s = analysisReducer(base(), { type: 'page', generation: base().generation, annotations: [a], done: true })
    s = analysisReducer(s, { type: 'live', message: { type: 'review', seq: 2, at, annotations: [{ ...a, review_state: 'accepted' }] } })
    expect(s.annotations.list.map((x) => x.review_state)).toEqual(['accepted'])
    expect(s.lastSeq).toBe(2)
  })

  it('lists again on its own when the stream reconnects after a failed listing', () => {
    let s = analysisReducer(base(), { type: 'load-error', generation: base().generation, error: new Error('offline') })
    expect(s.error).not.toBeNull()
    const generation = s.generation
    s = live(s, { type: 'connected', analysis_id: running.id, seq: 1 })
    expect(s.error).toBeNull()
    expect(s.loading).toBe(true)
    expect(s.generation).toBe(generation + 1)
  })
})
