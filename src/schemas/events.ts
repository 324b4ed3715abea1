import { z } from 'zod'
import { Analysis, Annotation } from './analyses'
import { Artifact } from './artifacts'
import { Timestamp } from './common'
import { Stage } from './runs'
import type { Artifact as ArtifactRecord } from './artifacts'
import { text } from './unicode'

/**
 * Messages on a run's live WebSocket (`GET /api/analyses/{id}/live`). Every message is one JSON
 * object with a `type`; every event also has a per-run `seq` that only increases, for resuming with
 * `?since=`. docs/events.md describes them.
 */

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const
export const LogLevel = z.enum(LOG_LEVELS)

export const LogLine = z
  .object({
    ts: Timestamp,
    level: z.preprocess((v) => (v === 'warn' ? 'warning' : v), LogLevel),
    message: text().max(8000),
    stage: text().max(100).nullish(),
  })
  .meta({ id: 'LogLine' })
export type LogLine = z.infer<typeof LogLine>

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), seq: z.number().int(), at: Timestamp, ...shape })

/**
 * The events every kind of run sends. `key` names the record in the messages that carry it
 * (`analysis` for analyses), so each kind keeps its own wire names.
 */
export function runLiveMessages<K extends string, R extends z.ZodType>(key: K, record: R) {
  const carrying = { [key]: record } as { [P in K]: R }
  const idField = { [`${key}_id`]: z.string() } as { [P in `${K}_id`]: z.ZodString }
  return {
    connected: z.object({ type: z.literal('connected'), ...idField, seq: z.number().int() }),
    snapshot: z.object({
      type: z.literal('snapshot'),
      seq: z.number().int(),
      reset: z.boolean().meta({ description: 'True when `since` was older than the retained history' }),
      ...carrying,
      stages: z.array(Stage),
      logs: z.array(LogLine).meta({ description: 'The last 200 log lines' }),
    }),
    status: event('status', { ...carrying, stages: z.array(Stage) }),
    progress: event('progress', {
      progress: z.number(),
      stage: z.string().nullable(),
      stages: z.array(Stage),
      message: z.string().nullable(),
    }),
    log: event('log', { lines: z.array(LogLine) }),
    artifact: event('artifact', { artifact: Artifact }),
    finalized: event('finalized', { ...carrying, stages: z.array(Stage) }),
  }
}

const analysisMessages = runLiveMessages('analysis', Analysis)

export const ConnectedMessage = analysisMessages.connected
export const SnapshotMessage = analysisMessages.snapshot
export const StatusEvent = analysisMessages.status
export const ProgressEvent = analysisMessages.progress
export const LogEvent = analysisMessages.log
export const ArtifactEvent = analysisMessages.artifact
export const FinalizedEvent = analysisMessages.finalized
export const AnnotationsEvent = event('annotations', {
  annotations: z.array(Annotation),
  replace: z.boolean().meta({ description: 'Drop what you have first: the pipeline replaced the set' }),
  annotation_count: z.number().int(),
})
export const ReviewEvent = event('review', {
  annotations: z.array(Annotation).meta({ description: 'The annotations whose review changed, as they are now' }),
})

export const LiveMessage = z
  .discriminatedUnion('type', [
    ConnectedMessage,
    SnapshotMessage,
    StatusEvent,
    ProgressEvent,
    LogEvent,
    AnnotationsEvent,
    ArtifactEvent,
    FinalizedEvent,
    ReviewEvent,
  ])
  .meta({ id: 'LiveMessage' })
export type LiveMessage = z.infer<typeof LiveMessage>

/** What a broadcast passes in: the event without the `type`, `seq` and `at` the event log adds. */
export type EventBody<M extends { type: string }, T extends M['type']> = Omit<Extract<M, { type: T }>, 'type' | 'seq' | 'at'>

/** The events of one kind of run, as a map from type to body, for typed broadcasts. */
export type EventBodies<M extends { type: string }> = { [T in M['type']]: EventBody<M, T> }

export type AnalysisEvent = Exclude<LiveMessage, { type: 'connected' | 'snapshot' }>

/** The events every kind of run sends, with the record under the kind's own name `K`. */
export type RunEventBodies<K extends string, R> = {
  status: { [P in K]: R } & { stages: Stage[] }
  finalized: { [P in K]: R } & { stages: Stage[] }
  progress: { progress: number; stage: string | null; stages: Stage[]; message: string | null }
  log: { lines: LogLine[] }
  artifact: { artifact: ArtifactRecord }
}

// The hand-written shape above must stay what the analysis schemas say; this line stops compiling if not.
type Agrees<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const analysisEventsAgree: Agrees<Pick<EventBodies<AnalysisEvent>, keyof RunEventBodies<'analysis', Analysis>>, RunEventBodies<'analysis', z.infer<typeof Analysis>>> = true
void analysisEventsAgree

export const MAX_LOG_LINES_PER_REQUEST = 1000

export const LogsRequest = z
  .object({ lines: z.array(LogLine).min(1).max(MAX_LOG_LINES_PER_REQUEST) })
  .meta({ id: 'LogsRequest', example: { lines: [{ ts: '2025-01-15T10:30:01.000Z', level: 'info', message: 'loaded model', stage: 'preprocess' }] } })

export const LogsAccepted = z.object({ accepted: z.number().int(), total: z.number().int() }).meta({ id: 'LogsAccepted' })

export const LogsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  format: z.enum(['json', 'text']).default('json'),
})

export const LogsPage = z
  .object({ lines: z.array(LogLine), total: z.number().int(), offset: z.number().int(), next_offset: z.number().int().nullable() })
  .meta({ id: 'LogsPage' })

export const LiveQuery = z.object({ since: z.coerce.number().int().min(0).optional() })
