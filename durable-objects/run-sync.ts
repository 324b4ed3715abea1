import { getConfig } from '../src/config'
import type { Database } from '../src/db/client'
import type { ActorType } from '../src/schemas/audit'
import type { RunLifecycle } from '../src/schemas/runs'
import { nextDeadline, PROGRESS_WRITE_INTERVAL_MS } from './deadlines'
import type { RunKind } from './run-kind'
import { publicRecord } from './run-state'
import type { RunStore } from './run-store'

export type Actor = { actorType: ActorType; actorId?: string }

/**
 * How the object's state reaches D1 and when its alarm fires. A status change is written at once,
 * with its audit row; progress at most once a second, the alarm writing whatever waited.
 */
export class RunSync<K extends string, R extends RunLifecycle> {
  /** The alarm this object armed, once known: null for none, undefined until read. */
  private armed: number | null | undefined

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly store: RunStore<R>,
    private readonly kind: RunKind<K, R>,
    private readonly db: Database,
  ) {}

  async writeMove(actor: Actor, action: string, requestId: string | null): Promise<void> {
    const s = this.store.update({ progress_written_at: Date.now() })
    const details = { status: s.status, version: s.version }
    const audit = { ...actor, action: `${this.kind.name}.${action}`, requestId, targetType: this.kind.name, targetId: s.id, projectId: s.project_id, details }
    await this.kind.writeThrough(this.db, publicRecord(s), audit)
  }

  /** Writes progress now when the last write is a second old, else leaves it for the alarm. */
  async writeProgressSoon(): Promise<void> {
    if (Date.now() - this.store.state!.progress_written_at >= PROGRESS_WRITE_INTERVAL_MS) await this.writeProgress()
    else this.store.update({ progress_written_at: -1 })
  }

  /** The alarm's share: progress that waited for its turn. */
  async writePendingProgress(): Promise<void> {
    if (this.store.state!.progress_written_at < 0) await this.writeProgress()
  }

  /**
   * One alarm serves every deadline: heartbeat, queue timeout and a pending progress write. Every
   * callback pushes the heartbeat deadline later, so an alarm already armed earlier is left alone:
   * it fires early, finds nothing due and re-arms. That keeps alarm writes off the callback path.
   */
  async schedule(): Promise<void> {
    const state = this.store.state
    if (!state) return
    const at = nextDeadline(state, getConfig(this.env), Date.now())
    this.armed ??= await this.ctx.storage.getAlarm()
    if (at === null) {
      if (this.armed !== null) await this.ctx.storage.deleteAlarm()
    } else if (this.armed === null || at < this.armed) {
      await this.ctx.storage.setAlarm(at)
    } else return
    this.armed = at
  }

  /** The armed alarm has fired; the next `schedule` arms afresh. */
  alarmFired(): void {
    this.armed = null
  }

  private async writeProgress() {
    const s = this.store.update({ version: this.store.state!.version + 1, progress_written_at: Date.now() })
    await this.kind.writeThrough(this.db, publicRecord(s), null)
  }
}
