/**
 * The statuses every run shares, with no zod in the module: the viewer imports these values, and a
 * schema module's top-level `z.object(...)` calls would bring zod into its bundle with them.
 * docs/state-machine.md has the transitions between them.
 */
export const RUN_STATUSES = ['queued', 'processing', 'completed', 'failed', 'canceled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const TERMINAL_STATUSES = ['completed', 'failed', 'canceled'] as const satisfies readonly RunStatus[]
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number]

const terminal: ReadonlySet<RunStatus> = new Set(TERMINAL_STATUSES)
export const isTerminal = (status: RunStatus): status is TerminalStatus => terminal.has(status)

/** The two ways a pipeline may end a run itself; `canceled` belongs to people and deadlines. */
export const FINAL_STATUSES = ['completed', 'failed'] as const satisfies readonly TerminalStatus[]

/**
 * Why the system, not the pipeline, moved a run (its `status_reason`; null when the pipeline or a
 * person's own status call did): a person canceled it, a deadline or timeout passed, or the lease
 * of the worker that claimed it ran out or was given back, sending the run back to `queued`.
 */
export const STATUS_REASONS = ['user', 'deadline', 'queue_timeout', 'heartbeat_timeout', 'lease_expired', 'released', 'job_ended'] as const
export type StatusReason = (typeof STATUS_REASONS)[number]
