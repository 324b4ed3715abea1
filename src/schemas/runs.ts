import { z } from 'zod'
import { Timestamp } from './common'
import { FINAL_STATUSES, RUN_STATUSES, STATUS_REASONS, type RunStatus, type StatusReason } from './run-statuses'

/**
 * The lifecycle every run shares, analyses and project-level jobs alike: the same statuses, the
 * same transition table (docs/state-machine.md), stages, progress and the version the run's
 * Durable Object bumps on every write-through.
 */
export { FINAL_STATUSES, isTerminal, RUN_STATUSES, STATUS_REASONS, TERMINAL_STATUSES, type RunStatus, type StatusReason, type TerminalStatus } from './run-statuses'

export const Stage = z
  .object({
    name: z.string(),
    started_at: Timestamp,
    ended_at: Timestamp.nullable(),
    duration_ms: z.number().nullable(),
  })
  .meta({ id: 'Stage' })
export type Stage = z.infer<typeof Stage>

const progressFields = {
  progress: z.number().min(0).max(1).optional().meta({ description: 'Fraction complete, 0..1' }),
  stage: z.string().trim().min(1).max(100).optional(),
  message: z.string().max(2000).optional(),
}

/**
 * Why the system moved the run, and when it must be done by: both run kinds' records have them.
 * Optional only so clients written before them still type-check; the server always sends both.
 */
export const runControlFields = {
  status_reason: z.enum(STATUS_REASONS).nullable().optional().meta({
    description: 'Why the system moved the run: `user` (a person canceled it), `deadline`, `queue_timeout`, `heartbeat_timeout`, `lease_expired`, `released` (back to `queued`: its worker gave it back), `job_ended`; null when the pipeline did',
  }),
  deadline_at: Timestamp.nullable().optional().meta({ description: 'When the run is canceled with the reason `deadline` if it has not ended (`deadline` or `Cancel-After` at creation)' }),
}

/** The header Replicate reads for the same thing: a run not done this long after creation is canceled. */
export const CANCEL_AFTER_HEADER = 'Cancel-After'

export const DeadlineField = z.iso
  .datetime({ offset: true })
  .optional()
  .meta({ description: `When the run is canceled with the reason \`deadline\` if it has not ended; the \`${CANCEL_AFTER_HEADER}\` header (\`30s\`, \`5m\`, \`1h30m\`) says the same relative to now` })

export const CancelAfterHeaders = z.object({
  'cancel-after': z
    .string()
    .max(50)
    .optional()
    .meta({ description: 'Cancel the run with the reason `deadline` if it has not ended this long after creation: `30s`, `5m`, `1h30m`, or seconds' }),
})

/** The run record's closing fields, in the order both run kinds' schemas list them. */
export const runRecordTimes = {
  version: z.number().int(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  updated_at: Timestamp.nullable(),
}

/** Fields of the run record the lifecycle owns; every run kind's public record has them. */
export interface RunLifecycle {
  id: string
  project_id: string
  status: RunStatus
  error_message: string | null
  status_reason?: StatusReason | null
  deadline_at?: string | null
  progress: number
  stage: string | null
  version: number
  created_at: string
  started_at: string | null
  completed_at: string | null
  updated_at: string | null
}

export const runStatusSchema = <Id extends string>(id: Id) => z.enum(RUN_STATUSES).meta({ id })

export const statusUpdateSchema = (status: z.ZodType<RunStatus>) =>
  z.object({ status, error_message: z.string().max(10_000).optional(), ...progressFields })

export const ProgressUpdate = z
  .object(progressFields)
  .refine((p) => p.progress !== undefined || p.stage !== undefined || p.message !== undefined, { message: 'give progress, stage or message' })
  .meta({ id: 'ProgressUpdate', example: { progress: 0.4, stage: 'inference', message: 'batch 2 of 5' } })
export type ProgressPatch = z.infer<typeof ProgressUpdate>

export const Finalize = z
  .object({ status: z.enum(FINAL_STATUSES), error_message: z.string().max(10_000).optional() })
  .meta({ id: 'Finalize', example: { status: 'completed' } })

/** A run in one of these is still someone's work: it can be canceled, and counts as active in metrics. */
export const ACTIVE_STATUSES = ['queued', 'processing'] as const satisfies readonly RunStatus[]
