import type { Analysis } from '../src/schemas/analyses'

export interface StageTiming {
  name: string
  started_at: string
  ended_at: string | null
  duration_ms: number | null
}

/** What the object keeps about its analysis; the API's Analysis plus live-only fields. */
export interface AnalysisState extends Analysis {
  stages: StageTiming[]
  last_callback_at: string | null
  /** When progress was last written through to D1; progress is written at most once a second. */
  progress_written_at: number
}

const MAX_STAGES = 100

/** Closes the running stage and opens `name`, as seed 004's recordStageStart/End pair does. */
export function enterStage(stages: StageTiming[], name: string, at: string): StageTiming[] {
  const current = stages.at(-1)
  if (current && current.name === name && current.ended_at === null) return stages
  const closed = stages.map((s) => (s.ended_at === null ? closeStage(s, at) : s))
  return [...closed, { name, started_at: at, ended_at: null, duration_ms: null }].slice(-MAX_STAGES)
}

export function closeStages(stages: StageTiming[], at: string): StageTiming[] {
  return stages.map((s) => (s.ended_at === null ? closeStage(s, at) : s))
}

function closeStage(s: StageTiming, at: string): StageTiming {
  return { ...s, ended_at: at, duration_ms: Math.max(0, Date.parse(at) - Date.parse(s.started_at)) }
}

/** Progress never goes backwards within a stage; a new stage may start lower. */
export function nextProgress(state: Pick<AnalysisState, 'progress' | 'stage'>, progress: number | undefined, stage: string | undefined): number {
  if (progress === undefined) return state.progress
  const sameStage = stage === undefined || stage === state.stage
  return sameStage ? Math.max(state.progress, progress) : progress
}

export const publicAnalysis = (s: AnalysisState): Analysis => {
  const { stages: _stages, last_callback_at: _last, progress_written_at: _written, ...analysis } = s
  return analysis
}
