import { z } from 'zod'
import { Analysis, Annotation, Stage } from './analyses'
import { Artifact } from './artifacts'
import { Timestamp } from './common'
import { text } from './unicode'

/**
 * Messages on `GET /api/analyses/{id}/live`. Every message is one JSON object with a `type`;
 * every event also has a per-analysis `seq` that only increases, for resuming with `?since=`.
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

export const ConnectedMessage = z.object({ type: z.literal('connected'), analysis_id: z.string(), seq: z.number().int() })

export const SnapshotMessage = z.object({
  type: z.literal('snapshot'),
  seq: z.number().int(),
  reset: z.boolean().meta({ description: 'True when `since` was older than the retained history' }),
  analysis: Analysis,
  stages: z.array(Stage),
  logs: z.array(LogLine).meta({ description: 'The last 200 log lines' }),
})

export const StatusEvent = event('status', { analysis: Analysis })
export const ProgressEvent = event('progress', {
  progress: z.number(),
  stage: z.string().nullable(),
  stages: z.array(Stage),
  message: z.string().nullable(),
})
export const LogEvent = event('log', { lines: z.array(LogLine) })
export const AnnotationsEvent = event('annotations', {
  annotations: z.array(Annotation),
  replace: z.boolean().meta({ description: 'Drop what you have first: the pipeline replaced the set' }),
  annotation_count: z.number().int(),
})
export const ArtifactEvent = event('artifact', { artifact: Artifact })
export const FinalizedEvent = event('finalized', { analysis: Analysis })

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
  ])
  .meta({ id: 'LiveMessage' })
export type LiveMessage = z.infer<typeof LiveMessage>

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
