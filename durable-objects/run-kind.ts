import type { Database } from '../src/db/client'
import type { AuditEntry } from '../src/domain/audit'
import type { RunLifecycle } from '../src/schemas/runs'

/**
 * What one kind of run (an analysis, a project-level job) tells the shared run machinery: where its
 * record lives in D1 and where its files live in R2. Everything else, the state machine, stages,
 * logs, heartbeats, cancel and the live stream, is the same for every kind.
 */
export interface RunKind<K extends string, R extends RunLifecycle> {
  /** Names the record in live messages, audit rows (`analysis.finalized`) and error codes. */
  readonly name: K
  /** The run's R2 prefix; its log chunks go under `{prefix}logs/`. */
  prefix(id: string): string
  load(db: Database, id: string): Promise<R | null>
  /** Writes the lifecycle fields through to D1; a lower version than the row's changes nothing. */
  writeThrough(db: Database, record: R, audit: AuditEntry | null): Promise<void>
}
