import { EMPTY_SET, mergeAnnotations, type AnnotationSet } from './merge'
import { type Analysis, type Annotation, type LiveMessage, type LogLine, type Stage } from './types'

/**
 * Everything the viewer knows about one analysis, as a pure reducer over REST pages and live
 * messages, so the ordering rules (seq, replace, reset) are testable without a socket.
 */


export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface AnalysisState {
  analysis: Analysis | null
  annotations: AnnotationSet
  /** Bumped when the annotation set must be fetched again from scratch. */
  generation: number
  loading: boolean
  error: Error | null
  stages: Stage[]
  logs: LogLine[]
  progressMessage: string | null
  lastSeq: number | null
  connection: ConnectionStatus
  /** Bumped on every uploaded artifact, so overlays waiting for a PNG try again. */
  artifactTick: number
}

export type AnalysisAction =
  | { type: 'select'; analysis: Analysis | null }
  | { type: 'page'; generation: number; annotations: Annotation[]; done: boolean }
  | { type: 'load-error'; generation: number; error: Error }
  | { type: 'refetch' }
  | { type: 'resync' }
  | { type: 'live'; message: LiveMessage }
  | { type: 'connection'; status: ConnectionStatus }
  | { type: 'annotation'; annotation: Annotation }

export const MAX_LOG_LINES = 2000

export function initialAnalysisState(analysis: Analysis | null): AnalysisState {
  return {
    analysis,
    annotations: EMPTY_SET,
    generation: 0,
    loading: analysis !== null,
    error: null,
    stages: [],
    logs: [],
    progressMessage: null,
    lastSeq: null,
    connection: 'idle',
    artifactTick: 0,
  }
}

const appendLogs = (logs: LogLine[], lines: readonly LogLine[]) => {
  const next = logs.concat(lines)
  return next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next
}

export function analysisReducer(state: AnalysisState, action: AnalysisAction): AnalysisState {
  switch (action.type) {
    case 'select':
      // Generations only grow, so pages of the previous analysis can never land in this one.
      return { ...initialAnalysisState(action.analysis), generation: state.generation + 1 }
    case 'page':
      if (action.generation !== state.generation) return state
      return { ...state, annotations: mergeAnnotations(state.annotations, action.annotations), loading: !action.done, error: null }
    case 'load-error':
      if (action.generation !== state.generation) return state
      return { ...state, loading: false, error: action.error }
    case 'refetch':
      return { ...state, annotations: EMPTY_SET, generation: state.generation + 1, loading: true, error: null }
    case 'resync':
      // List again but keep what is shown; pages merge by id, so nothing flickers.
      return { ...state, generation: state.generation + 1, loading: true, error: null }
    case 'connection':
      return { ...state, connection: action.status }
    case 'annotation':
      return { ...state, annotations: mergeAnnotations(state.annotations, [action.annotation]) }
    case 'live':
      return applyLive(state, action.message)
  }
}

function applyLive(state: AnalysisState, m: LiveMessage): AnalysisState {
  if (m.type === 'connected') {
    // The server is back: a listing that failed while it was away is tried again without a click.
    if (state.error) return { ...state, connection: 'open', error: null, loading: true, generation: state.generation + 1 }
    return { ...state, connection: 'open' }
  }
  if (m.type === 'snapshot') {
    const next: AnalysisState = {
      ...state,
      analysis: m.analysis,
      stages: m.stages,
      logs: m.logs.length > 0 || m.reset ? m.logs.slice(-MAX_LOG_LINES) : state.logs,
      lastSeq: m.seq,
    }
    // `since` was older than the history the server keeps: what we hold may have gaps.
    return m.reset ? { ...next, annotations: EMPTY_SET, generation: state.generation + 1, loading: true } : next
  }
  // A replayed event we already applied (the socket dropped after we saw it).
  if (state.lastSeq !== null && m.seq <= state.lastSeq) return state
  const seen = { ...state, lastSeq: m.seq }
  switch (m.type) {
    case 'status':
    case 'finalized':
      // The server closes every open stage on finalize, so none says "running" after the fact.
      return { ...seen, analysis: m.analysis, stages: m.stages }
    case 'review':
      // Another reviewer's decisions; our own come back this way too, and merge harmlessly.
      return { ...seen, annotations: mergeAnnotations(seen.annotations, m.annotations) }
    case 'progress':
      return {
        ...seen,
        analysis: seen.analysis && { ...seen.analysis, progress: m.progress, stage: m.stage },
        stages: m.stages,
        progressMessage: m.message ?? seen.progressMessage,
      }
    case 'log':
      return { ...seen, logs: appendLogs(seen.logs, m.lines) }
    case 'annotations': {
      const base = m.replace ? EMPTY_SET : seen.annotations
      // Pages still in flight describe the set before the replace; start the listing over.
      const restart = m.replace && seen.loading
      return {
        ...seen,
        generation: restart ? seen.generation + 1 : seen.generation,
        annotations: mergeAnnotations(base, m.annotations),
        analysis: seen.analysis && { ...seen.analysis, annotation_count: m.annotation_count },
      }
    }
    case 'artifact':
      return { ...seen, artifactTick: seen.artifactTick + 1 }
  }
}
